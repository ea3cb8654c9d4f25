//! Usage rows: what a charge costs once a tenant's month is long.
//!
//! Every upload and chat message is charged in the tenant's current period
//! before its work starts, and every page, chunk and token is recorded there
//! after: a busy Pro tenant's period holds tens of thousands of entries (the
//! scifact bench's 5 183 documents leave about 16 000). A charge loads the
//! period, so its cost is what a chat waits for before its first token.
//!
//! For each size: a period is filled with that many entries (the first
//! through the product, the rest copies of it under their own keys, written
//! straight into the log: the same rows, without hours of filling), then
//! - a load replaying every event (how periods were loaded before snapshots,
//!   with cqrs-es' own store);
//! - a load as the product does it (`Commands::load_usage`);
//! - one chat message charged, as `POST /chat` does, with the Pro plan's
//!   limits, one after another.

use std::time::Instant;

use ancre_commands::store::{EVENTS_TABLE, SNAPSHOTS_TABLE};
use ancre_commands::{Actor, Commands, EventMetadata};
use ancre_domain::usage::{usage_id, Entry, Metric, Period, Quota, Subject, Usage, UsageLine};
use ancre_domain::{Plan, TenantId};
use anyhow::Context as _;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{AggregateContext, EventStore};
use postgres_es::PostgresEventRepository;
use sqlx::postgres::PgPoolOptions;

use crate::{percentile, Row};

/// Period sizes, in entries.
const SIZES: [usize; 2] = [1_000, 20_000];
/// Loads of each kind, and charges, per size.
const SAMPLES: usize = 50;

pub async fn run(url: &str) -> anyhow::Result<Vec<Row>> {
    let pool = PgPoolOptions::new().max_connections(4).connect(url).await?;
    crate::MIGRATOR.run(&pool).await?;
    let commands = Commands::new(pool.clone());
    let mut rows = Vec::new();
    for size in SIZES {
        eprintln!("bench: usage, a period of {size} entries");
        let tenant = TenantId::new();
        let period = Period::of(chrono::Utc::now());
        let id = usage_id(tenant, period);
        let meta = EventMetadata::for_request(tenant, Actor::System("bench"), "bench-usage");
        let entry = |key: String, metric: Metric| Entry {
            tenant_id: tenant,
            period,
            key,
            cause: "request:bench".into(),
            actor: "system:bench".into(),
            subject: Subject::default(),
            lines: vec![UsageLine {
                metric,
                quantity: 1,
            }],
            occurred_at: chrono::Utc::now(),
        };
        commands
            .record_usage(entry("fill-0".into(), Metric::PagesParsed), vec![], &meta)
            .await
            .map_err(|e| anyhow::anyhow!("opening the period: {e}"))?;
        // Sequence 1 opened the period, 2 is `fill-0`: copies of it follow.
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type,
                                 event_version, payload, metadata)
             SELECT aggregate_type, aggregate_id, 2 + g, event_type, event_version,
                    jsonb_set(payload, '{UsageRecorded,key}', to_jsonb('fill-' || g)), metadata
               FROM events, generate_series(1, $2::int - 1) AS g
              WHERE aggregate_type = 'usage' AND aggregate_id = $1 AND sequence = 2",
        )
        .bind(&id)
        .bind(size as i32)
        .execute(&pool)
        .await
        .context("filling the period")?;
        sqlx::query("ANALYZE events").execute(&pool).await?;
        let loaded = commands
            .load_usage(&id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(
            loaded.total(Metric::PagesParsed) == size as i64,
            "the filled period holds {} pages, not {size}",
            loaded.total(Metric::PagesParsed)
        );

        let replay = PersistedEventStore::<_, Usage>::new_event_store(
            PostgresEventRepository::new(pool.clone()).with_tables(EVENTS_TABLE, SNAPSHOTS_TABLE),
        );
        let mut times = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let started = Instant::now();
            let mut context = replay.load_aggregate(&id).await?;
            std::hint::black_box(context.aggregate());
            times.push(ms(started));
        }
        rows.push(Row::info(
            format!("usage: load a period of {size}, every event replayed p50"),
            median(&mut times),
            "ms",
        ));

        let mut charges = Vec::with_capacity(SAMPLES);
        let limits = Plan::Pro.limits(&[Quota::MessagesPerMonth, Quota::TokensPerMonth]);
        for i in 0..SAMPLES {
            let started = Instant::now();
            commands
                .record_usage(
                    entry(format!("message-{i}"), Metric::ChatMessages),
                    limits.clone(),
                    &meta,
                )
                .await
                .map_err(|e| anyhow::anyhow!("charging a message: {e}"))?;
            charges.push(ms(started));
        }

        let mut times = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let started = Instant::now();
            std::hint::black_box(
                commands
                    .load_usage(&id)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            );
            times.push(ms(started));
        }
        rows.push(Row::info(
            format!("usage: load a period of {size} (product) p50"),
            median(&mut times),
            "ms",
        ));
        rows.push(Row::info(
            format!("usage: charge a chat message, period of {size} p50"),
            median(&mut charges),
            "ms",
        ));
        rows.push(Row::info(
            format!("usage: charge a chat message, period of {size} p99"),
            percentile(&charges, 99.0),
            "ms",
        ));
    }
    pool.close().await;
    Ok(rows)
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// Sorts `times` (for the percentiles read after it) and returns its median.
fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    percentile(times, 50.0)
}
