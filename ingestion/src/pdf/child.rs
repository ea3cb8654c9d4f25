//! The child process's side of the PDF sandbox: reads the PDF on stdin,
//! writes one JSON [`Reply`] on stdout. Synchronous and single-purpose, so
//! the parent's address-space limit applies to pdfium and little else.
//!
//! Usage: `<program> --pdfium LIBRARY --max-pages N < file.pdf`.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::extract::extract;
use super::Reply;

pub fn main(args: impl IntoIterator<Item = String>) -> ExitCode {
    let mut library = None;
    let mut max_pages = u32::MAX;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--pdfium", Some(path)) => library = Some(PathBuf::from(path)),
            ("--max-pages", Some(n)) => max_pages = n.parse().unwrap_or(u32::MAX),
            _ => {
                eprintln!("usage: --pdfium LIBRARY --max-pages N < file.pdf");
                return ExitCode::from(64);
            }
        }
    }
    let Some(library) = library else {
        eprintln!("--pdfium LIBRARY is required");
        return ExitCode::from(64);
    };
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("reading stdin: {e}");
        return ExitCode::from(74);
    }
    let reply = match extract(&library, &bytes, max_pages) {
        Ok(parsed) => Reply::Parsed(parsed),
        Err(e) => Reply::Failed(e.0),
    };
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut out, &reply)
        .map_err(std::io::Error::from)
        .and_then(|()| out.flush());
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("writing the reply: {e}");
            ExitCode::from(74)
        }
    }
}
