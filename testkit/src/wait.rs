//! Waiting on a condition with a deadline, instead of sleeping and hoping.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// Polls `check` until it returns `Some`, or panics with `what` after `deadline`.
pub async fn until<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let end = Instant::now() + deadline;
    let mut step = Duration::from_millis(2);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if Instant::now() >= end {
            panic!("timed out after {deadline:?} waiting for {what}");
        }
        tokio::time::sleep(step).await;
        step = (step * 2).min(Duration::from_millis(50));
    }
}
