//! The `ancre` binary: configuration, logging, then the chosen sub-command.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = ancre_api::cli::Cli::parse();
    let config = ancre_api::config::Config::from_env()?;
    ancre_api::telemetry::init(config.log_json);
    ancre_api::cli::run(cli, config).await
}
