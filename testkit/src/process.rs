//! `ancre` as real child processes: one deployment's environment, each process
//! on a free port with its own data directory and log file, SIGKILLed when
//! dropped. Used by the multi-process tests and the workers bench.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A child `ancre` process, killed when dropped; its output in `log`.
pub struct Process {
    child: Child,
    /// `http://127.0.0.1:{port}`: its API (or, for a worker, its health endpoints).
    pub url: String,
    log: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Process {
    /// SIGKILL: no shutdown hook runs, as when a machine dies.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The last 30 lines of its output, for assertion messages.
    pub fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Waits until `/readyz` answers 2xx, or fails with the process's output.
    pub async fn ready(&self, http: &reqwest::Client, within: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", self.url)).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            if tokio::time::Instant::now() >= deadline {
                anyhow::bail!("{} not ready after {within:?}:\n{}", self.url, self.tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// What the processes of one deployment share: the binary, the environment
/// (database, object store, index, broker…) and a scratch directory.
pub struct Deployment {
    pub binary: PathBuf,
    pub env: Vec<(String, String)>,
    pub dir: PathBuf,
}

impl Deployment {
    /// `ancre {args}` with the deployment's environment, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command
    }

    /// Starts `ancre {args}` as `name`: its own port, data dir and log file.
    pub fn spawn(&self, name: &str, args: &[&str]) -> anyhow::Result<Process> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let data = self.dir.join(name);
        std::fs::create_dir_all(&data)?;
        let log = self.dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log)?;
        let child = self
            .command(args)
            .env("ANCRE_LISTEN", format!("127.0.0.1:{port}"))
            .env("ANCRE_DATA_DIR", &data)
            .stdout(out.try_clone()?)
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| anyhow::anyhow!("starting {}: {e}", self.binary.display()))?;
        Ok(Process {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        })
    }
}
