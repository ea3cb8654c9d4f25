//! The `ancre` binary: configuration, logging, then the chosen sub-command.
//!
//! `ancre parse-pdf` is the PDF sandbox's child process: it is dispatched
//! before anything else starts (no runtime, no configuration), so the
//! address-space limit its parent sets is spent on pdfium alone.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let mut args = std::env::args();
    if args.nth(1).as_deref() == Some(ancre_api::PARSE_PDF) {
        return ancre_ingestion::pdf::child::main(args);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:?}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    let cli = ancre_api::cli::Cli::parse();
    let config = ancre_api::config::Config::from_env()?;
    ancre_api::telemetry::init(config.log_json);
    ancre_api::cli::run(cli, config).await
}
