//! Wiring: the shared state, the router with its middleware, and serving
//! (HTTP and the projector engine side by side in one process).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ancre_commands::{Actor, Commands, EventMetadata, LogPosition};
use ancre_domain::tenant::{TenantCommand, TenantError};
use ancre_projections::deliveries::Source;
use ancre_projections::lag::LagHistogram;
use ancre_projections::{projectors, Engine, EngineConfig, Progress};
use anyhow::Context as _;
use axum::http::{header, HeaderValue};
use axum::Router;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use ancre_index::{EdgeSettings, LazyEdgeIndex, QdrantServerIndex, SearchIndex};
use ancre_ingestion::chunks_projector::ChunksProjector;
use ancre_ingestion::collection_cleanup::CollectionCleanup;
use ancre_ingestion::embedders::local_e5::LocalE5;
use ancre_ingestion::embedders::openai::OpenAiEmbedder;
use ancre_ingestion::embedders::Embedder;
use ancre_ingestion::janitor::FileJanitor;
use ancre_ingestion::pdf::PdfSandbox;
use ancre_ingestion::pipeline::jobs::PipelineJobs;
use ancre_ingestion::pipeline::{StageContext, WorkerConfig, Workers};
use ancre_ingestion::search_index::SearchIndexProjector;
use ancre_ingestion::storage::{LocalFolder, ObjectStore, S3Store};
use ancre_projections::Projector;
use ancre_rag::models::ChatModels;
use ancre_rag::{Answerer, Retriever};
use ancre_usage::recorder::UsageRecorder;

use crate::auth::{self, clerk::ClerkVerifier, Authenticator};
use crate::config::Config;
use crate::error::ApiError;
use crate::routes;
use crate::telemetry::{self, Metrics, REQUEST_ID};

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub commands: Arc<Commands>,
    pub progress: Progress,
    pub auth: Arc<Authenticator>,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub projectors: Arc<Vec<&'static str>>,
    pub lag: Arc<HashMap<&'static str, LagHistogram>>,
    pub engine_running: Arc<AtomicBool>,
    pub store: Arc<dyn ObjectStore>,
    /// The hybrid search index (written by the `search_index` projector).
    pub index: Arc<dyn SearchIndex>,
    /// The chat models this deployment serves.
    pub chat: Arc<ChatModels>,
    /// Retrieval and chat models together: answers a question.
    pub answerer: Arc<Answerer>,
    /// Stripe, when `STRIPE_SECRET_KEY` is set.
    pub stripe: Option<crate::billing::client::StripeClient>,
    /// Nango, when `NANGO_SECRET_KEY` is set.
    pub nango: Option<ancre_connectors::nango::NangoClient>,
    /// The live document feeds open in this process, per tenant.
    pub feeds: Arc<crate::routes::document_feed::OpenFeeds>,
}

impl AppState {
    /// Read-your-writes: waits (bounded) until `projectors` have applied the
    /// log up to `at`, so the caller's next read sees its own write.
    pub async fn caught_up(
        &self,
        at: Option<LogPosition>,
        projectors: &[&'static str],
    ) -> Result<(), ApiError> {
        let Some(at) = at else { return Ok(()) };
        let reached = self
            .progress
            .wait_for(
                &self.pool,
                projectors,
                at,
                self.config.read_your_writes_timeout,
            )
            .await?;
        if !reached {
            tracing::warn!(
                ?projectors,
                "read models did not catch up in time; answering anyway"
            );
        }
        Ok(())
    }
}

/// A running server: its address, and a way to stop it.
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    /// Awaited on stop: the projectors release what they hold (the search
    /// index's lock) before a successor starts.
    engine: JoinHandle<()>,
}

impl Server {
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.http.await;
        let _ = self.engine.await;
    }

    /// Serves until the process is asked to stop (Ctrl-C or SIGTERM).
    pub async fn until_signal(self) {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.stop().await;
    }
}

/// Where files are stored: the S3 bucket when one is configured (created if
/// missing), else the local folder of the embedded defaults.
pub async fn object_store(config: &Config) -> anyhow::Result<Arc<dyn ObjectStore>> {
    match &config.s3 {
        Some(s3) => {
            let store = S3Store::new(s3);
            store
                .ensure_bucket()
                .await
                .with_context(|| format!("S3 bucket {}", s3.bucket))?;
            Ok(Arc::new(store))
        }
        None => Ok(Arc::new(LocalFolder::new(config.data_dir.join("objects")))),
    }
}

/// Every projector this process runs: the read models, and the workers that
/// act on other targets (stored files, the pipeline's queue, the search index).
pub fn all_projectors(
    config: &Config,
    pool: &PgPool,
    store: Arc<dyn ObjectStore>,
    commands: Arc<Commands>,
    index: Arc<dyn SearchIndex>,
) -> anyhow::Result<Vec<Arc<dyn Projector>>> {
    let mut all = projectors::all();
    all.push(Arc::new(FileJanitor::new(store.clone())));
    all.push(Arc::new(CollectionCleanup::new(commands.clone())));
    all.push(Arc::new(PipelineJobs));
    all.push(Arc::new(ChunksProjector::new(store.clone())));
    all.push(Arc::new(
        SearchIndexProjector::new(index, store.clone(), commands.clone())
            .optimize_every(config.index_optimize_every),
    ));
    all.push(Arc::new(UsageRecorder::new(commands.clone())));
    all.push(Arc::new(crate::connectors::sync::ConnectorSync {
        commands,
        store,
        pool: pool.clone(),
        nango: config
            .nango
            .clone()
            .map(ancre_connectors::nango::NangoClient::new),
        spool: config.data_dir.join("spool"),
        max_bytes: config.max_upload_bytes,
    }));
    if let Some(kafka) = &config.kafka {
        let relay = ancre_relay::KafkaRelay::new(kafka.clone())
            .with_context(|| format!("Kafka producer for {}", kafka.brokers))?;
        all.push(Arc::new(relay));
    }
    Ok(all)
}

/// The search index, for the embedding model of this deployment: a Qdrant
/// server when `ANCRE_QDRANT_URL` is set, else the embedded one, opened on
/// first use so that a process starting while its predecessor still holds
/// the directory waits for it instead of failing.
pub async fn search_index(config: &Config) -> anyhow::Result<Arc<dyn SearchIndex>> {
    let embedder = embedder(config);
    let (model, dimension) = (embedder.model().to_owned(), embedder.dimension());
    let Some(qdrant) = config.qdrant.clone() else {
        return Ok(Arc::new(embedded_index(config)));
    };
    let runtime = tokio::runtime::Handle::current();
    let url = qdrant.url.clone();
    let index = tokio::task::spawn_blocking(move || {
        QdrantServerIndex::connect(
            runtime,
            &qdrant.url,
            qdrant.api_key,
            &qdrant.collection_prefix,
            &model,
            dimension,
        )
    })
    .await
    .context("connecting to Qdrant")?
    .with_context(|| format!("Qdrant at {url}"))?;
    Ok(Arc::new(index))
}

/// Opens the embedded index for a serving process, so that it holds it from
/// the start: a second process on the same directory is refused (it would
/// fail every index operation forever), after `wait` for a predecessor that
/// is shutting down (or a rebuild) to let go. Any other failure (another
/// model's index) is left to the first use, which reports it.
async fn hold_embedded_index(index: Arc<LazyEdgeIndex>, wait: Duration) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let lazy = index.clone();
        let opened = tokio::task::spawn_blocking(move || lazy.get().map(drop))
            .await
            .context("opening the embedded index")?;
        match opened {
            Ok(()) => return Ok(()),
            Err(e @ ancre_index::IndexError::Locked { .. }) => {
                if tokio::time::Instant::now() >= deadline {
                    return Err(anyhow::anyhow!("{e}"));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "the embedded index cannot be opened yet");
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The embedded index of this deployment, opened on first use.
fn embedded_index(config: &Config) -> LazyEdgeIndex {
    let embedder = embedder(config);
    let settings = EdgeSettings {
        hnsw_threshold_kb: config.index_hnsw_threshold_kb,
    };
    LazyEdgeIndex::new(&config.index_dir, embedder.model(), embedder.dimension())
        .with_settings(settings)
}

/// The embedder of this deployment: the local model, or an OpenAI-compatible
/// endpoint (`ANCRE_EMBEDDER=openai`). The local model's tokenizer sizes the
/// chunks either way, so it is returned too (to be loaded ahead of use).
pub fn embedder_with_tokenizer(config: &Config) -> (Arc<dyn Embedder>, Arc<LocalE5>) {
    let local = Arc::new(LocalE5::new(config.e5_weights.clone()));
    let embedder: Arc<dyn Embedder> = match &config.remote_embedder {
        None => local.clone(),
        Some(remote) => Arc::new(OpenAiEmbedder::new(remote.clone(), local.clone())),
    };
    (embedder, local)
}

pub fn embedder(config: &Config) -> Arc<dyn Embedder> {
    embedder_with_tokenizer(config).0
}

/// The PDF sandbox: `ancre parse-pdf`, with this binary unless
/// `ANCRE_PDF_WORKER` names another `ancre` binary.
pub fn pdf_sandbox(config: &Config) -> anyhow::Result<PdfSandbox> {
    let program = match &config.pdf_worker {
        Some(program) => program.clone(),
        None => std::env::current_exe().context("locating this binary for the PDF sandbox")?,
    };
    let mut sandbox = PdfSandbox::new(
        program,
        vec![crate::PARSE_PDF.into()],
        config.pdfium_library.clone(),
    );
    sandbox.memory_limit_bytes = config.pdf_memory_limit_mb << 20;
    sandbox.timeout = config.pdf_timeout;
    sandbox.max_pages = config.max_pages;
    Ok(sandbox)
}

/// Connects to the database and applies the migrations.
pub async fn connect(config: &Config) -> anyhow::Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .connect(config.database_url.as_str())
        .await
        .context("cannot connect to DATABASE_URL")?;
    crate::MIGRATOR
        .run(&pool)
        .await
        .context("applying migrations")?;
    Ok(pool)
}

/// What one process runs. One machine runs everything in one process
/// (`ancre serve`); a deployment that outgrows it runs API processes and
/// worker processes, any number of each, against one PostgreSQL, a Qdrant
/// server and S3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The API, every projector, the pipeline workers and the sweeper.
    All,
    /// The HTTP API alone (`ancre serve --role api`).
    Api,
    /// Background work alone (`ancre worker`): the chosen projectors, the
    /// pipeline workers if asked, and the reservations sweeper; serves only
    /// `/healthz`, `/readyz` and `/metrics`.
    Worker {
        projectors: ProjectorSelection,
        pipeline: bool,
        /// Where its projectors' events come from: the log, or Kafka
        /// (`--source kafka`: every selected projector but the relay).
        source: Source,
    },
}

/// Which projectors a worker process runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectorSelection {
    All,
    /// These names (none: a pipeline-only worker).
    Only(Vec<String>),
}

impl Role {
    fn serves_api(&self) -> bool {
        matches!(self, Role::All | Role::Api)
    }

    fn runs_pipeline(&self) -> bool {
        match self {
            Role::All => true,
            Role::Api => false,
            Role::Worker { pipeline, .. } => *pipeline,
        }
    }

    fn runs_sweeper(&self) -> bool {
        !matches!(self, Role::Api)
    }

    /// The projectors of `all` this process runs; an unknown name is an error.
    fn select(&self, all: Vec<Arc<dyn Projector>>) -> anyhow::Result<Vec<Arc<dyn Projector>>> {
        let wanted = match self {
            Role::Worker {
                projectors: ProjectorSelection::All,
                source: Source::Kafka,
                ..
            } => {
                return Ok(all
                    .into_iter()
                    .filter(|p| ancre_relay::feed::can_feed(p.as_ref()).is_ok())
                    .collect())
            }
            Role::All
            | Role::Worker {
                projectors: ProjectorSelection::All,
                ..
            } => return Ok(all),
            Role::Api => return Ok(Vec::new()),
            Role::Worker {
                projectors: ProjectorSelection::Only(names),
                ..
            } => names,
        };
        let known: Vec<&str> = all.iter().map(|p| p.name()).collect();
        if let Some(unknown) = wanted.iter().find(|n| !known.contains(&n.as_str())) {
            anyhow::bail!(
                "no projector named {unknown:?}; known: {}",
                known.join(", ")
            );
        }
        Ok(all
            .into_iter()
            .filter(|p| wanted.iter().any(|n| n == p.name()))
            .collect())
    }
}

/// Connects, migrates, starts the projectors and serves on `config.listen`:
/// everything in one process.
pub async fn start(config: Config) -> anyhow::Result<Server> {
    start_as(config, Role::All).await
}

/// Connects, migrates, and runs what `role` asks for.
pub async fn start_as(config: Config, role: Role) -> anyhow::Result<Server> {
    config.check_dev_bypass()?;
    if role != Role::All && config.qdrant.is_none() {
        anyhow::bail!(
            "{role:?} runs beside other Ancre processes, and processes cannot share one embedded \
             search index: set ANCRE_QDRANT_URL to a Qdrant server (and ANCRE_S3_BUCKET, unless \
             every process shares one ANCRE_DATA_DIR on one machine); see the README, Scaling out"
        );
    }
    let pool = connect(&config).await?;

    let (shutdown, shutdown_rx) = watch::channel(false);
    let store = object_store(&config).await?;
    let commands = Arc::new(Commands::new(pool.clone()));
    let index = match config.qdrant {
        Some(_) => search_index(&config).await?,
        None => {
            let embedded = Arc::new(embedded_index(&config));
            hold_embedded_index(embedded.clone(), config.index_lock_wait).await?;
            embedded
        }
    };
    let every = all_projectors(
        &config,
        &pool,
        store.clone(),
        commands.clone(),
        index.clone(),
    )?;
    let deployment_projectors: Vec<&'static str> = every.iter().map(|p| p.name()).collect();
    let selected = role.select(every)?;
    let (from_log, from_kafka) = match &role {
        Role::Worker {
            source: Source::Kafka,
            ..
        } => {
            let Some(kafka) = config.kafka.clone() else {
                anyhow::bail!("--source kafka needs ANCRE_KAFKA_BROKERS");
            };
            for p in &selected {
                ancre_relay::feed::can_feed(p.as_ref()).map_err(|why| {
                    anyhow::anyhow!("{} cannot be fed from Kafka: {why}", p.name())
                })?;
            }
            (Vec::new(), Some((kafka, selected)))
        }
        _ => (selected, None),
    };
    let engine = Engine::new(
        pool.clone(),
        EngineConfig {
            poll_interval: config.projector_poll_interval,
            ..EngineConfig::default()
        },
        from_log,
    );
    let engine_running = Arc::new(AtomicBool::new(true));
    let (embedder, local_model) = embedder_with_tokenizer(&config);
    let offline = ChatModels::offline(embedder.clone());
    let chat = Arc::new(match &config.chat {
        None => offline,
        Some(endpoint) => offline.with_endpoint(endpoint.clone()),
    });
    let answerer = Arc::new(Answerer::new(
        Retriever::new(
            pool.clone(),
            index.clone(),
            embedder.clone(),
            config.search_threads,
        )
        .context("start the search threads")?,
        chat.clone(),
        local_model.clone(),
    ));
    let state = AppState {
        pool: pool.clone(),
        commands,
        progress: engine.progress(),
        // Readiness and metrics report the whole deployment's projectors,
        // wherever they run (their checkpoints are in the database).
        projectors: Arc::new(deployment_projectors),
        lag: engine.lag(),
        auth: Arc::new(Authenticator {
            clerk: config.clerk.clone().map(ClerkVerifier::new),
            dev_bypass: config.dev_auth_bypass,
            admins: config.platform_admins.clone(),
        }),
        metrics: Arc::new(Metrics::default()),
        config: Arc::new(config.clone()),
        engine_running: engine_running.clone(),
        store,
        index,
        chat,
        answerer,
        stripe: config
            .billing
            .clone()
            .map(crate::billing::client::StripeClient::new),
        nango: config
            .nango
            .clone()
            .map(ancre_connectors::nango::NangoClient::new),
        feeds: Default::default(),
    };
    let mut stop_engine = shutdown_rx.clone();
    let feed = from_kafka.map(|(kafka, projectors)| {
        tokio::spawn(ancre_relay::feed::run(
            pool.clone(),
            kafka,
            projectors,
            shutdown_rx.clone(),
        ))
    });
    let engine = tokio::spawn(async move {
        engine
            .run(async move {
                let _ = stop_engine.changed().await;
            })
            .await;
        if let Some(feed) = feed {
            let _ = feed.await;
        }
        engine_running.store(false, Ordering::SeqCst);
    });

    {
        // Load the weights in the background: the first upload need not wait.
        tokio::task::spawn_blocking(move || {
            if let Err(e) = local_model.load() {
                tracing::error!(error = %e, "documents will fail at the embedding stage");
            }
        });
    }
    let workers = Workers::new(
        StageContext {
            pool: pool.clone(),
            commands: state.commands.clone(),
            store: state.store.clone(),
            embedder,
            pdf: pdf_sandbox(&config)?,
            chunker: Default::default(),
            max_pages: config.max_pages,
        },
        WorkerConfig {
            workers: config.pipeline_workers,
            lease: config.pipeline_lease,
            ..WorkerConfig::default()
        },
    );
    if role.runs_sweeper() {
        let mut stop_sweeper = shutdown_rx.clone();
        tokio::spawn(ancre_usage::reservations::run(
            pool.clone(),
            state.commands.clone(),
            config.token_reservation_expiry,
            async move {
                let _ = stop_sweeper.changed().await;
            },
        ));
    }
    if role.runs_pipeline() {
        let mut stop_workers = shutdown_rx.clone();
        tokio::spawn(workers.run(async move {
            let _ = stop_workers.changed().await;
        }));
    }

    if config.dev_auth_bypass && role.serves_api() {
        ensure_dev_tenant(&state).await?;
        tracing::warn!("DEV_AUTH_BYPASS=true: requests without credentials act as the dev user");
    }

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let app = if role.serves_api() {
        router(state.clone())
    } else {
        worker_router(state.clone())
    };
    let http = tokio::spawn(crate::serve::serve(
        listener,
        app,
        config.connection_limits,
        shutdown_rx,
    ));
    tracing::info!(%addr, ?role, "serving");
    Ok(Server {
        addr,
        state,
        shutdown,
        http,
        engine,
    })
}

/// A worker's HTTP surface: health, readiness and metrics only.
fn worker_router(state: AppState) -> Router {
    Router::new()
        .merge(routes::health::router())
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state)
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/api/v1", routes::api_router(&state))
        .merge(routes::health::router())
        .merge(routes::docs::router())
        .fallback(crate::web::serve)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(
            state.config.connection_limits.request_timeout,
            crate::serve::request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            telemetry::count_responses,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(ApiError::Internal(anyhow::anyhow!(
                "handler panicked"
            )))
        }))
        // Every response: no content-type guessing (a stored file served as
        // what it claims to be), and no full URL leaks to other sites.
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// The dev tenant of `DEV_AUTH_BYPASS=true`, owned by the dev user.
async fn ensure_dev_tenant(state: &AppState) -> anyhow::Result<()> {
    let tenant = auth::dev_tenant();
    let metadata = EventMetadata::for_request(tenant, Actor::System("dev-bypass"), "startup");
    let result = state
        .commands
        .tenant(
            tenant,
            TenantCommand::Create {
                tenant_id: tenant,
                name: "Dev tenant".into(),
                owner: auth::dev_user(),
            },
            &metadata,
        )
        .await;
    let at = match result {
        Ok(at) => at,
        Err(ancre_commands::CommandError::Rejected(TenantError::AlreadyExists)) => None,
        Err(e) => return Err(anyhow::anyhow!("creating the dev tenant: {e}")),
    };
    state
        .caught_up(at, &[projectors::tenants::NAME])
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
