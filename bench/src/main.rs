//! `make bench`: the performance harness. Prints a table and writes JSON.
//!
//! Rows:
//! - commands/s appended by concurrent clients through the command service
//!   (each command loads its aggregate, decides, appends in one transaction);
//! - projector lag p50/p99 at that load: from an event's commit to the commit
//!   of the projector batch that applied it;
//! - the Kafka relay at that load: commit → consumer lag, and its throughput
//!   publishing the whole log (`relay`);
//! - what a charge costs on a long usage period (`usage`);
//! - ingestion throughput (`ingestion`), the same by one then two worker
//!   processes on a Qdrant server and S3 (`workers`), retrieval quality, time to first
//!   chat token and retrieval latency (`retrieval`);
//! - citations on real SEC filings: evidence page retrieved and cited, gold
//!   figure quoted, whole-unit excerpts (`citations`).
//!
//! It runs against `DATABASE_URL` (the Makefile starts a durable local cluster
//! when unset), in a fresh database it creates and drops.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ancre_commands::{Actor, Commands, EventMetadata};
use ancre_domain::tenant::TenantCommand;
use ancre_domain::{TenantId, UserId};
use ancre_projections::{projectors, Engine, EngineConfig};
use anyhow::Context as _;
use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection};

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

struct Args {
    out: String,
    clients: usize,
    seconds: u64,
    /// `all` (default), `log` (commands and projectors), `relay` (Kafka), `usage`, `ingestion`,
    /// `workers` (ingestion by one vs two worker processes), `retrieval` or `latency`
    /// (retrieval latency alone), `citations` (financebench-dev, see `citations.rs`).
    only: String,
    retrieval: retrieval::Options,
    /// `--citations-files`: the financebench filings kept (all when empty).
    citations_files: Vec<String>,
    /// `--citations-keep DIR`: the filings stay ingested there between runs.
    citations_keep: Option<std::path::PathBuf>,
}

fn args() -> anyhow::Result<Args> {
    let mut args = Args {
        out: "bench-results".into(),
        clients: 16,
        seconds: 10,
        only: "all".into(),
        retrieval: retrieval::Options {
            set: "scifact-train".into(),
            docs: 0,
            sizes: vec![10_000, 100_000],
            vectors: retrieval::LatencyVectors::E5Like,
        },
        citations_files: vec![],
        citations_keep: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--out" => args.out = value,
            "--clients" => args.clients = value.parse()?,
            "--seconds" => args.seconds = value.parse()?,
            "--only" => args.only = value,
            "--eval" => args.retrieval.set = value,
            "--eval-docs" => args.retrieval.docs = value.parse()?,
            "--latency-vectors" => args.retrieval.vectors = value.parse()?,
            "--citations-files" => {
                args.citations_files = value.split(',').map(|s| s.trim().to_owned()).collect()
            }
            "--citations-keep" => args.citations_keep = Some(value.into()),
            "--latency-sizes" => {
                args.retrieval.sizes = value
                    .split(',')
                    .map(|s| s.trim().parse())
                    .collect::<Result<_, _>>()?
            }
            other => anyhow::bail!(
                "unknown flag {other} (known: --out, --clients, --seconds, --only, --eval, \
                 --eval-docs, --latency-sizes, --latency-vectors, --citations-files, --citations-keep)"
            ),
        }
    }
    Ok(args)
}

mod citations;
mod documents;
mod ingestion;
mod relay;
mod retrieval;
mod usage;
mod vectors;
mod workers;

#[derive(Serialize)]
pub struct Row {
    name: String,
    value: f64,
    unit: &'static str,
    target: &'static str,
    met: Option<bool>,
}

impl Row {
    /// A measured figure without a target.
    pub fn info(name: String, value: f64, unit: &'static str) -> Self {
        Row {
            name,
            value,
            unit,
            target: "",
            met: None,
        }
    }

    /// A measured figure against its target.
    pub fn target(
        name: String,
        value: f64,
        target: &'static str,
        met: impl Fn(f64) -> bool,
    ) -> Self {
        Row {
            name,
            value,
            unit: "",
            target,
            met: Some(met(value)),
        }
    }
}

/// The `p`th percentile of `sorted` (ascending), by nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[derive(Serialize)]
struct Report {
    started_at: String,
    machine: String,
    clients: usize,
    seconds: u64,
    rows: Vec<Row>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let admin_url =
        std::env::var("DATABASE_URL").context("DATABASE_URL is not set (use `make bench`)")?;
    let database = format!("ancre_bench_{}", std::process::id());
    let mut admin = PgConnection::connect(&admin_url).await?;
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&mut admin)
        .await?;
    let url = admin_url
        .parse::<PgConnectOptions>()?
        .database(&database)
        .to_url_lossy()
        .to_string();
    let result = async {
        let mut report = run(&args, &url).await?;
        if matches!(args.only.as_str(), "all" | "relay") {
            report
                .rows
                .extend(relay::run(&url, args.clients, args.seconds).await?);
        }
        if matches!(args.only.as_str(), "all" | "usage") {
            report.rows.extend(usage::run(&url).await?);
        }
        if matches!(args.only.as_str(), "all" | "ingestion") {
            report.rows.extend(ingestion::run(&url).await?);
        }
        if matches!(args.only.as_str(), "all" | "workers") {
            report.rows.extend(workers::run(&url).await?);
        }
        if matches!(args.only.as_str(), "all" | "retrieval") {
            report
                .rows
                .extend(retrieval::run(&url, &args.retrieval).await?);
        }
        if matches!(args.only.as_str(), "all" | "citations") {
            report.rows.extend(
                citations::run(&url, &args.citations_files, args.citations_keep.as_deref()).await?,
            );
        }
        if args.only == "latency" {
            report
                .rows
                .extend(retrieval::run_latency(&url, &args.retrieval).await?);
        }
        anyhow::Ok(report)
    }
    .await;
    sqlx::query(&format!("DROP DATABASE {database} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    let report = result?;

    println!();
    println!(
        "{:<52} {:>12} {:<6} {:<14} met",
        "metric", "value", "unit", "target"
    );
    for r in &report.rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        // Scores (no unit) need three decimals; rates and times one.
        let decimals = if r.unit.is_empty() { 3 } else { 1 };
        println!(
            "{:<52} {:>12.decimals$} {:<6} {:<14} {}",
            r.name, r.value, r.unit, r.target, met
        );
    }
    std::fs::create_dir_all(&args.out)?;
    let json = serde_json::to_string_pretty(&report)?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    std::fs::write(format!("{}/bench-{stamp}.json", args.out), &json)?;
    std::fs::write(format!("{}/latest.json", args.out), &json)?;
    println!("\nwritten to {}/bench-{stamp}.json", args.out);
    Ok(())
}

async fn run(args: &Args, url: &str) -> anyhow::Result<Report> {
    if args.only != "all" && args.only != "log" {
        return Ok(Report {
            started_at: chrono::Utc::now().to_rfc3339(),
            machine: machine(),
            clients: 0,
            seconds: 0,
            rows: vec![],
        });
    }
    let pool = PgPoolOptions::new()
        .max_connections(args.clients as u32 + 8)
        .connect(url)
        .await?;
    MIGRATOR.run(&pool).await?;
    let engine = Engine::new(pool.clone(), EngineConfig::default(), projectors::all());
    let lag = engine.lag();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(engine.run(async {
        let _ = stopped.await;
    }));

    let (total, elapsed) = command_load(&pool, args.clients, args.seconds).await?;

    // Let the projector drain, then read its lag histogram.
    drained(&pool, projectors::tenants::NAME, Duration::from_secs(60)).await?;
    let snap = lag[projectors::tenants::NAME].snapshot();
    let _ = stop.send(());

    // The projector alone, with the machine to itself: replay the whole log.
    let tenants = projectors::by_name(projectors::tenants::NAME).context("tenants projector")?;
    let replay_started = Instant::now();
    let replayed = ancre_projections::rebuild::rebuild(&pool, tenants.as_ref(), 1000).await?;
    let replay_rate = replayed as f64 / replay_started.elapsed().as_secs_f64();
    pool.close().await;

    let cps = total as f64 / elapsed;
    let p50 = snap.quantile(0.50).unwrap_or(0.0) * 1000.0;
    let p99 = snap.quantile(0.99).unwrap_or(0.0) * 1000.0;
    Ok(Report {
        started_at: chrono::Utc::now().to_rfc3339(),
        machine: machine(),
        clients: args.clients,
        seconds: args.seconds,
        rows: vec![
            Row {
                name: "commands appended".into(),
                value: total as f64,
                unit: "cmds",
                target: "",
                met: None,
            },
            Row {
                name: "commands/s (concurrent clients)".into(),
                value: cps,
                unit: "cmd/s",
                target: ">= 1500",
                met: Some(cps >= 1500.0),
            },
            Row {
                name: "projector replay events/s (tenants, alone)".into(),
                value: replay_rate,
                unit: "ev/s",
                target: "",
                met: None,
            },
            Row {
                name: "projector lag p50 (tenants)".into(),
                value: p50,
                unit: "ms",
                target: "",
                met: None,
            },
            Row {
                name: "projector lag p99 (tenants)".into(),
                value: p99,
                unit: "ms",
                target: "<= 250",
                met: Some(p99 <= 250.0),
            },
        ],
    })
}

/// The log bench's command load: `clients` concurrent clients, for `seconds`,
/// each opening tenants and working on each for a few commands (rename,
/// invite and accept a member, change plan), as users do: aggregates stay
/// short, as they are in the product. Returns the commands appended and the
/// seconds it took.
pub async fn command_load(
    pool: &sqlx::PgPool,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<(u64, f64)> {
    let commands = Arc::new(Commands::new(pool.clone()));
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let commands = commands.clone();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            // Short aggregates: a command's cost does not grow with the run.
            let owner = UserId::parse("bench-owner").expect("valid");
            let mut n = 0_u64;
            while Instant::now() < deadline {
                n += 1;
                let id = TenantId::new();
                let meta = EventMetadata::for_request(
                    id,
                    Actor::System("bench"),
                    format!("bench-{c}-{n}"),
                );
                let script = [
                    TenantCommand::Create {
                        tenant_id: id,
                        name: format!("bench {c}/{n}"),
                        owner: owner.clone(),
                    },
                    TenantCommand::Rename {
                        name: format!("bench {c}/{n} renamed"),
                    },
                    TenantCommand::InviteMember {
                        user_id: UserId::parse(&format!("member-{c}-{n}")).expect("valid"),
                        role: ancre_domain::Role::Member,
                    },
                    TenantCommand::AcceptInvitation {
                        user_id: UserId::parse(&format!("member-{c}-{n}")).expect("valid"),
                    },
                    TenantCommand::ChangePlan {
                        plan: ancre_domain::Plan::Pro,
                    },
                ];
                for command in script {
                    commands.tenant(id, command, &meta).await?;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((
        done.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
    ))
}

/// Waits until `projector` has applied the whole log, at most `deadline`.
pub async fn drained(
    pool: &sqlx::PgPool,
    projector: &str,
    deadline: Duration,
) -> anyhow::Result<()> {
    let until = Instant::now() + deadline;
    loop {
        let s = ancre_projections::status::status(pool, &[projector]).await?;
        if s[0].behind == 0 {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < until,
            "{projector} did not drain in {deadline:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn machine() -> String {
    format!(
        "{} cpus, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        std::env::consts::ARCH
    )
}

/// Moves the dev tenant (`DEV_AUTH_BYPASS`) to the Pro plan, so that a bench
/// measures the product rather than the Free plan's limits.
pub async fn dev_tenant_on_pro(server: &ancre_api::app::Server) -> anyhow::Result<()> {
    let tenant = ancre_api::auth::dev_tenant();
    let at = server
        .state
        .commands
        .tenant(
            tenant,
            ancre_domain::tenant::TenantCommand::ChangePlan {
                plan: ancre_domain::Plan::Pro,
            },
            &ancre_commands::EventMetadata::for_request(
                tenant,
                ancre_commands::Actor::System("bench"),
                "bench",
            ),
        )
        .await
        .map_err(|e| anyhow::anyhow!("moving the bench tenant to Pro: {e}"))?;
    server
        .state
        .caught_up(at, &[ancre_projections::projectors::tenants::NAME])
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}
