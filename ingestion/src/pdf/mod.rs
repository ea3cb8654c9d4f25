//! PDF parsing, isolated. pdfium (C++) reads the file in a child process
//! with an address-space limit and a deadline, so a decompression bomb, a
//! crash or an endless loop fails that one document — never the server.
//!
//! - [`PdfSandbox`] (here): starts the child, feeds it the bytes, enforces the
//!   limits and turns every way it can end into a [`Parsed`] or a
//!   [`ParseError`] a user can read.
//! - [`child`]: the child's `main` (`ancre parse-pdf`, or `ancre-pdf`).
//! - [`extract`]: the pdfium calls: characters, their positions, printed page labels.
//! - [`layout`]: characters → lines, table rows, paragraphs and table sections.

pub mod child;
mod extract;
pub mod layout;

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::parsers::{ParseError, Parsed};

/// What the child writes on stdout.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reply {
    Parsed(Parsed),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct PdfSandbox {
    /// The child program and its leading arguments (e.g. `ancre parse-pdf`).
    pub program: PathBuf,
    pub program_args: Vec<OsString>,
    /// `libpdfium.so`.
    pub pdfium_library: PathBuf,
    /// The child's address-space limit.
    pub memory_limit_bytes: u64,
    pub timeout: Duration,
    pub max_pages: u32,
}

impl PdfSandbox {
    /// Defaults: 1 GiB of address space (a 1 MB flate bomb drove pdfium to
    /// 2.1 GB), 120 s, 2,000 pages.
    pub fn new(program: PathBuf, program_args: Vec<OsString>, pdfium_library: PathBuf) -> Self {
        Self {
            program,
            program_args,
            pdfium_library,
            memory_limit_bytes: 1 << 30,
            timeout: Duration::from_secs(120),
            max_pages: 2000,
        }
    }

    pub async fn parse(&self, bytes: &[u8]) -> Result<Parsed, ParseError> {
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(&self.program_args)
            .arg("--pdfium")
            .arg(&self.pdfium_library)
            .arg("--max-pages")
            .arg(self.max_pages.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let limit = self.memory_limit_bytes;
        // SAFETY: only async-signal-safe calls (setrlimit) between fork and exec.
        unsafe {
            command.pre_exec(move || {
                let address_space = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                let no_core = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &address_space) != 0
                    || libc::setrlimit(libc::RLIMIT_CORE, &no_core) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command.spawn().map_err(|e| {
            tracing::error!(program = %self.program.display(), error = %e, "cannot start the PDF reader");
            ParseError("the PDF reader could not be started; try again later".into())
        })?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let run = async {
            // Feed and drain concurrently: the child may answer (or die)
            // before reading everything, and pipes are finite.
            let feed = async {
                // A child that stops reading early (e.g. it crashed) is
                // reported by its exit status, not by this write.
                let _ = stdin.write_all(bytes).await;
                drop(stdin);
            };
            let mut out = Vec::new();
            let mut err = Vec::new();
            let (_, out_read, _) = tokio::join!(
                feed,
                stdout.read_to_end(&mut out),
                stderr.read_to_end(&mut err)
            );
            let status = child.wait().await;
            (out_read.map(|_| out), err, status)
        };
        let (out, err, status) = match tokio::time::timeout(self.timeout, run).await {
            Ok(done) => done,
            Err(_) => {
                // Dropping `run` drops the child: kill_on_drop ends it.
                return Err(ParseError(format!(
                    "reading the PDF took longer than {} s; it may be damaged or too complex",
                    self.timeout.as_secs()
                )));
            }
        };
        let status = status.map_err(|e| ParseError(format!("the PDF reader was lost: {e}")))?;
        let stderr_tail = String::from_utf8_lossy(&err);
        let stderr_tail = stderr_tail.trim().lines().last().unwrap_or("");
        if !status.success() {
            tracing::warn!(?status, stderr = %stderr_tail, "the PDF reader ended abnormally");
            return Err(ParseError(match status.signal() {
                Some(signal) => format!(
                    "the PDF reader stopped on this file (signal {signal}): it is damaged, or needs \
                     more than {} MiB of memory to read",
                    self.memory_limit_bytes >> 20
                ),
                None => "the PDF reader failed on this file".into(),
            }));
        }
        let out = out.map_err(|e| ParseError(format!("the PDF reader's answer was lost: {e}")))?;
        match serde_json::from_slice::<Reply>(&out) {
            Ok(Reply::Parsed(parsed)) => Ok(parsed),
            Ok(Reply::Failed(reason)) => Err(ParseError(reason)),
            Err(e) => {
                tracing::error!(error = %e, stderr = %stderr_tail, "unreadable answer from the PDF reader");
                Err(ParseError(
                    "the PDF reader gave an unreadable answer".into(),
                ))
            }
        }
    }
}
