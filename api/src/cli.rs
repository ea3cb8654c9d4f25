//! The `ancre` binary's sub-commands.

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use ancre_projections::deliveries::Source;

use crate::app::{ProjectorSelection, Role};
use crate::config::Config;

#[derive(Parser)]
#[command(
    name = "ancre",
    about = "Ancre: multi-tenant RAG with cited sources",
    version
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the API and run the projectors (the default).
    Serve {
        /// `all`: the API, the projectors and the pipeline in this process;
        /// `api`: the API alone, beside `ancre worker` processes.
        #[arg(long, value_enum, default_value_t = ServeRole::All)]
        role: ServeRole,
    },
    /// Run background work alone, beside `ancre serve --role api` processes:
    /// projectors and pipeline workers (health, readiness and metrics on
    /// ANCRE_LISTEN).
    Worker {
        /// The projectors to run: `all`, `none`, or names separated by commas
        /// (as `ancre projections status` lists them).
        #[arg(long, default_value = "all")]
        projectors: String,
        /// Do not run pipeline workers (parsing and embedding documents).
        #[arg(long)]
        no_pipeline: bool,
        /// Where the projectors' events come from: `log` (PostgreSQL), or
        /// `kafka` (the topics the relay publishes; needs ANCRE_KAFKA_BROKERS;
        /// every projector but the relay can).
        #[arg(long, value_enum, default_value_t = FeedSource::Log)]
        source: FeedSource,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Inspect or rebuild projections.
    Projections {
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FeedSource {
    Log,
    Kafka,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ServeRole {
    All,
    Api,
}

#[derive(Subcommand)]
pub enum ProjectionsCommand {
    /// Each projector's checkpoint, backlog and lag.
    Status,
    /// Drop a projection and replay it from the start of the log (atomically:
    /// readers see the old state until the new one is complete).
    Rebuild {
        /// The projector's name, as `status` lists it.
        name: String,
    },
}

/// Runs `role` until the process is asked to stop.
async fn serve(config: Config, role: Role) -> anyhow::Result<()> {
    crate::app::start_as(config, role)
        .await?
        .until_signal()
        .await;
    Ok(())
}

/// `--projectors`: `all`, `none`, or names separated by commas.
fn selection(projectors: &str) -> ProjectorSelection {
    match projectors.trim() {
        "all" => ProjectorSelection::All,
        "none" => ProjectorSelection::Only(Vec::new()),
        names => ProjectorSelection::Only(
            names
                .split(',')
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect(),
        ),
    }
}

pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve {
        role: ServeRole::All,
    }) {
        Command::Serve { role } => {
            let role = match role {
                ServeRole::All => Role::All,
                ServeRole::Api => Role::Api,
            };
            serve(config, role).await?
        }
        Command::Worker {
            projectors,
            no_pipeline,
            source,
        } => {
            let role = Role::Worker {
                projectors: selection(&projectors),
                pipeline: !no_pipeline,
                source: match source {
                    FeedSource::Log => Source::Log,
                    FeedSource::Kafka => Source::Kafka,
                },
            };
            serve(config, role).await?
        }
        Command::Migrate => {
            let pool = crate::app::connect(&config).await?;
            println!("migrations applied");
            pool.close().await;
        }
        Command::Projections { command } => {
            let pool = crate::app::connect(&config).await?;
            let commands = std::sync::Arc::new(ancre_commands::Commands::new(pool.clone()));
            // The embedded search index is opened only if a command uses it (a
            // rebuild of `search_index`): `status` must work beside a running server.
            let projectors = crate::app::all_projectors(
                &config,
                &pool,
                crate::app::object_store(&config).await?,
                commands,
                crate::app::search_index(&config).await?,
            )?;
            let names: Vec<&str> = projectors.iter().map(|p| p.name()).collect();
            match command {
                ProjectionsCommand::Status => {
                    let statuses = ancre_projections::status::status(&pool, &names).await?;
                    println!(
                        "{:<20} {:<6} {:>12} {:>10} {:>12}  updated",
                        "projector", "source", "position", "behind", "lag (s)"
                    );
                    for s in statuses {
                        println!(
                            "{:<20} {:<6} {:>12} {:>10} {:>12.3}  {}",
                            s.name,
                            s.source,
                            s.checkpoint.position,
                            s.behind,
                            s.lag_seconds,
                            s.checkpoint_updated_at
                                .map(|t| t.to_rfc3339())
                                .unwrap_or_else(|| "never".into())
                        );
                    }
                }
                ProjectionsCommand::Rebuild { name } => {
                    let projector =
                        projectors
                            .iter()
                            .find(|p| p.name() == name)
                            .with_context(|| {
                                format!("no projector named {name:?}; known: {}", names.join(", "))
                            })?;
                    let started = std::time::Instant::now();
                    let events =
                        ancre_projections::rebuild::rebuild(&pool, projector.as_ref(), 1000)
                            .await?;
                    println!(
                        "rebuilt {name}: {events} events replayed in {:.2?}",
                        started.elapsed()
                    );
                }
            }
        }
    }
    Ok(())
}
