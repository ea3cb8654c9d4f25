//! The PDF sandbox's child process, as its own small binary (the `ancre`
//! binary offers the same as `ancre parse-pdf`).

fn main() -> std::process::ExitCode {
    ancre_ingestion::pdf::child::main(std::env::args().skip(1))
}
