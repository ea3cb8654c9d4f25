//! The configuration: one typed struct, read from the environment (and from
//! `.env` when present). `.env.example` documents every variable.

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use ancre_domain::UserId;
use ancre_ingestion::embedders::openai::OpenAiEmbedderConfig;
use ancre_rag::models::openai::OpenAiChatConfig;

/// 50 MiB.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 50 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: the PostgreSQL holding the event log and read models.
    pub database_url: DatabaseUrl,
    /// `DATABASE_MAX_CONNECTIONS`.
    pub database_max_connections: u32,
    /// `ANCRE_LISTEN`: address to serve on.
    pub listen: SocketAddr,
    /// `ANCRE_HEADER_READ_TIMEOUT_SECS`, `ANCRE_REQUEST_TIMEOUT_SECS`,
    /// `ANCRE_MAX_CONNECTIONS`: see [`crate::serve`].
    pub connection_limits: crate::serve::ConnectionLimits,
    /// `ANCRE_FEED_RECHECK_SECS`, `ANCRE_FEED_MAX_SECS`,
    /// `ANCRE_FEED_MAX_PER_TENANT`: see [`crate::routes::document_feed`].
    pub feed_limits: crate::routes::document_feed::FeedLimits,
    /// `DEV_AUTH_BYPASS`: requests without credentials act as the dev user of the dev tenant.
    /// Refused at start when the server listens beyond loopback or has Clerk or
    /// Stripe configured (see [`Config::check_dev_bypass`]).
    pub dev_auth_bypass: bool,
    /// `DANGER_DEV_AUTH_BYPASS_ANYWHERE`: serve with the dev bypass even where it
    /// is refused (beyond loopback, with Clerk or Stripe). Anyone who reaches the
    /// server then acts as an owner.
    pub dev_auth_bypass_anywhere: bool,
    /// Clerk session tokens, when configured.
    pub clerk: Option<ClerkConfig>,
    /// `ANCRE_MAX_FREE_WORKSPACES_PER_USER`: Free tenants one user may own (3);
    /// each would bring fresh Free quotas. Platform admins are not bound.
    pub max_free_workspaces_per_user: usize,
    /// `ANCRE_PLATFORM_ADMINS`: user ids (comma-separated) with platform-admin rights.
    pub platform_admins: Vec<UserId>,
    /// `ANCRE_READ_YOUR_WRITES_TIMEOUT_MS`: how long a command waits for its read models.
    pub read_your_writes_timeout: Duration,
    /// `ANCRE_PROJECTOR_POLL_MS`: projector polling when no notification arrives.
    pub projector_poll_interval: Duration,
    /// `ANCRE_LOG_FORMAT`: `pretty` (default) or `json`.
    pub log_json: bool,
    /// `ANCRE_DATA_DIR`: local state (stored files) for the embedded defaults.
    pub data_dir: PathBuf,
    /// `ANCRE_INDEX_DIR`: the embedded search index (qdrant-edge), default
    /// `${ANCRE_DATA_DIR}/index`. One process at a time may hold it.
    pub index_dir: PathBuf,
    /// `ANCRE_INDEX_OPTIMIZE_EVERY`: the embedded index builds its search
    /// structures in the background after this many new chunks (20000).
    pub index_optimize_every: usize,
    /// `ANCRE_INDEX_HNSW_THRESHOLD_KB`: a segment of the embedded index whose
    /// dense vectors take at least this many KB gets an HNSW graph when it is
    /// optimised, walked by the queries whose filter keeps as much of it;
    /// below, vectors are compared exactly. Unset: the engine's 10 000 KB
    /// (about 6 500 chunks of the default model).
    pub index_hnsw_threshold_kb: Option<NonZeroUsize>,
    /// `ANCRE_SEARCH_THREADS`: index searches running at once (the others
    /// queue in arrival order). Unset: one per core, right for the embedded
    /// index, whose searches are CPU-bound; a Qdrant server's searches mostly
    /// wait on the network, so more can pay there.
    pub search_threads: Option<NonZeroUsize>,
    /// `ANCRE_QDRANT_URL` (gRPC, e.g. `http://qdrant:6334`) with
    /// `ANCRE_QDRANT_API_KEY`: use a Qdrant server as the search index
    /// instead of the embedded one.
    pub qdrant: Option<QdrantConfig>,
    /// `ANCRE_S3_BUCKET` (with `ANCRE_S3_ENDPOINT`, `ANCRE_S3_REGION`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`): store files in S3
    /// instead of `${ANCRE_DATA_DIR}/objects`.
    pub s3: Option<ancre_ingestion::storage::S3Config>,
    /// `ANCRE_KAFKA_BROKERS` (with `ANCRE_KAFKA_TOPIC_PREFIX`,
    /// `ANCRE_KAFKA_PARTITIONS`, `ANCRE_KAFKA_REPLICATION_FACTOR`): publish
    /// every event of the log to Kafka (the `kafka_relay` projector).
    pub kafka: Option<ancre_relay::KafkaConfig>,
    /// `ANCRE_INDEX_LOCK_WAIT_SECS`: how long a starting process waits for
    /// another to let go of the embedded index before refusing to start.
    pub index_lock_wait: Duration,
    /// `ANCRE_MAX_UPLOAD_BYTES`: largest file accepted, in bytes.
    pub max_upload_bytes: u64,
    /// `ANCRE_MAX_UPLOAD_FILES`: most files in one upload request.
    pub max_upload_files: usize,
    /// `ANCRE_MAX_PAGES`: most pages (slides) a document may have.
    pub max_pages: u32,
    /// `ANCRE_PDFIUM_LIB`: `libpdfium.so` (`scripts/assets.sh` fetches it).
    pub pdfium_library: PathBuf,
    /// `ANCRE_PDF_WORKER`: the `ancre` binary whose `parse-pdf` sub-command
    /// reads PDFs in the sandbox; unset: this binary.
    pub pdf_worker: Option<PathBuf>,
    /// `ANCRE_PDF_MEMORY_LIMIT_MB`: the PDF reader's address-space limit.
    pub pdf_memory_limit_mb: u64,
    /// `ANCRE_PDF_TIMEOUT_SECS`: the PDF reader's deadline per document.
    pub pdf_timeout: Duration,
    /// `ANCRE_E5_WEIGHTS`: multilingual-e5-small's weights (`scripts/assets.sh`).
    /// Also the tokenizer that sizes chunks when embedding remotely.
    pub e5_weights: PathBuf,
    /// `ANCRE_EMBEDDER`: `local` (default, multilingual-e5-small) or `openai`.
    /// With `openai`: `OPENAI_API_KEY`, `ANCRE_OPENAI_BASE_URL` (default
    /// `https://api.openai.com/v1`, or any compatible server),
    /// `ANCRE_EMBEDDING_MODEL` (default `text-embedding-3-small`),
    /// `ANCRE_EMBEDDING_DIMENSION` (the model's own by default; required for
    /// models we do not know), `ANCRE_EMBEDDING_BATCH` (64),
    /// `ANCRE_EMBEDDING_TIMEOUT_SECS` (60).
    pub remote_embedder: Option<OpenAiEmbedderConfig>,
    /// `ANCRE_CHAT`: `extractive` (default: answers quoted from the sources,
    /// offline) or `openai`. With `openai`: `OPENAI_API_KEY`,
    /// `ANCRE_CHAT_BASE_URL` (default `ANCRE_OPENAI_BASE_URL`, else
    /// `https://api.openai.com/v1`), `ANCRE_CHAT_MODEL` (the default model of
    /// new assistants, `gpt-4o-mini`), `ANCRE_CHAT_MODELS` (the models
    /// assistants may name, comma-separated; the default model always),
    /// `ANCRE_CHAT_MAX_TOKENS` (1024: the cap on one answer's tokens),
    /// `ANCRE_CHAT_TIMEOUT_SECS` (60: for the
    /// first byte and between two pieces of an answer). `extractive` stays
    /// available to every assistant.
    pub chat: Option<OpenAiChatConfig>,
    /// Stripe billing (see [`crate::billing::StripeConfig`]); `None` when
    /// `STRIPE_SECRET_KEY` is unset: the billing routes say so and every
    /// tenant stays on its plan (Free unless an admin moved it).
    pub billing: Option<crate::billing::StripeConfig>,
    /// Connectors through a self-hosted Nango (`NANGO_*`); `None` when
    /// `NANGO_SECRET_KEY` is unset: the integration routes answer 503 saying so.
    pub nango: Option<ancre_connectors::nango::NangoConfig>,
    /// `ANCRE_WEB_DIR`: the built web UI (`frontend/dist`, which `make run`
    /// builds), served at `/`.
    pub web_dir: PathBuf,
    /// `ANCRE_PIPELINE_WORKERS`: documents processed at once.
    pub pipeline_workers: usize,
    /// `ANCRE_PIPELINE_LEASE_SECS`: a job whose worker died is taken up again after this.
    pub pipeline_lease: Duration,
    /// `ANCRE_TOKEN_RESERVATION_EXPIRY_SECS` (900): the tokens a chat turn
    /// reserved are given back after this when the turn was never recorded
    /// (its process died mid-turn).
    pub token_reservation_expiry: Duration,
    /// `ANCRE_METRICS_TOKEN`: `/metrics` answers a scraper sending
    /// `Authorization: Bearer <token>`; unset, `/metrics` is off (it tells
    /// tenants' activity and the deployment's shape to anyone who asks).
    pub metrics_token: Option<MetricsToken>,
}

/// The bearer token of `/metrics`, kept as its digest (never printed).
#[derive(Clone)]
pub struct MetricsToken {
    digest: String,
}

impl MetricsToken {
    pub fn new(token: impl AsRef<str>) -> MetricsToken {
        MetricsToken {
            digest: crate::digest::sha256_hex(token.as_ref().as_bytes()),
        }
    }

    /// Compares digests, so the time taken says nothing of the token.
    pub fn matches(&self, presented: &str) -> bool {
        crate::digest::sha256_hex(presented.as_bytes()) == self.digest
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(***)")
    }
}

/// Where `scripts/assets.sh` puts its files by default.
fn assets_dir() -> PathBuf {
    var("ANCRE_ASSETS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(var("HOME").unwrap_or_else(|| ".".into())).join(".cache/ancre/assets")
        })
}

#[derive(Debug, Clone)]
pub struct ClerkConfig {
    /// `CLERK_ISSUER`: the `iss` every token must carry (your Clerk Frontend API URL).
    pub issuer: String,
    /// `CLERK_JWKS_URL`: defaults to `{CLERK_ISSUER}/.well-known/jwks.json`.
    pub jwks_url: String,
    /// `CLERK_AUTHORIZED_PARTIES`: accepted `azp` values (comma-separated),
    /// required with Clerk: without it any token of the issuer (another
    /// application's, a JWT template's) would be accepted.
    pub authorized_parties: AuthorizedParties,
    /// `CLERK_JWKS_MIN_REFRESH_SECS`: at most one JWKS refresh per this interval
    /// when tokens name an unknown `kid`.
    pub min_refresh_interval: Duration,
}

/// The `azp` values a Clerk session token may carry: never empty.
#[derive(Debug, Clone)]
pub struct AuthorizedParties(Vec<String>);

impl AuthorizedParties {
    /// `None` when `parties` is empty.
    pub fn new(parties: Vec<String>) -> Option<AuthorizedParties> {
        (!parties.is_empty()).then_some(AuthorizedParties(parties))
    }

    pub fn allows(&self, azp: &str) -> bool {
        self.0.iter().any(|party| party == azp)
    }
}

/// A PostgreSQL URL, whose `Debug` hides the password (configurations get logged).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> DatabaseUrl {
        DatabaseUrl(url.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `scheme://user:password@host/db`: shown without its password. A
        // password given as a query parameter, or a URL of another shape (a
        // key=value string), is not shown at all.
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return f.write_str("<database url>");
        };
        if rest.contains("password") {
            return write!(f, "{scheme}://<hidden>");
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        match authority.rsplit_once('@') {
            None => write!(f, "{scheme}://{rest}"),
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or_default();
                write!(f, "{scheme}://{user}:***@{host}{path}")
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn parse<T: std::str::FromStr>(name: &str, default: T) -> Result<T, ConfigError> {
    Ok(optional(name)?.unwrap_or(default))
}

/// `name` parsed when set, `None` when unset or empty.
fn optional<T: std::str::FromStr>(name: &str) -> Result<Option<T>, ConfigError> {
    var(name)
        .map(|raw| {
            raw.parse()
                .map_err(|_| ConfigError(format!("{name}={raw:?} is not valid")))
        })
        .transpose()
}

/// `name` parsed when set, `default` otherwise; refused below 1 (a count or
/// a number of seconds for which 0 would mean nothing works).
fn positive<T: std::str::FromStr + PartialOrd + From<u8>>(
    name: &str,
    default: T,
) -> Result<T, ConfigError> {
    let value = parse(name, default)?;
    if value < T::from(1) {
        return Err(ConfigError(format!("{name} must be at least 1")));
    }
    Ok(value)
}

/// A number of seconds, as [`positive`].
fn positive_secs(name: &str, default: Duration) -> Result<Duration, ConfigError> {
    positive(name, default.as_secs()).map(Duration::from_secs)
}

fn list(name: &str) -> Vec<String> {
    var(name)
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Clone)]
pub struct QdrantConfig {
    pub url: String,
    pub api_key: Option<String>,
    /// `ANCRE_QDRANT_COLLECTION_PREFIX`: the start of the collections' names
    /// (one per embedding model), so that deployments can share a server.
    pub collection_prefix: String,
}

/// The default of `ANCRE_QDRANT_COLLECTION_PREFIX`.
pub const QDRANT_COLLECTION_PREFIX: &str = "ancre-chunks";

/// Without the key: configurations get logged.
impl std::fmt::Debug for QdrantConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QdrantConfig")
            .field("url", &self.url)
            .field("collection_prefix", &self.collection_prefix)
            .finish_non_exhaustive()
    }
}

/// The OpenAI-compatible embedder's settings (see `Config::remote_embedder`).
fn openai_embedder() -> Result<OpenAiEmbedderConfig, ConfigError> {
    const OPENAI: &str = "https://api.openai.com/v1";
    let api_base = var("ANCRE_OPENAI_BASE_URL").unwrap_or_else(|| OPENAI.into());
    let api_key = match var("OPENAI_API_KEY") {
        Some(key) => key,
        // Self-hosted servers (Ollama, vLLM) often take any key, or none.
        None if api_base != OPENAI => String::new(),
        None => {
            return Err(ConfigError(
                "ANCRE_EMBEDDER=openai needs OPENAI_API_KEY (or ANCRE_OPENAI_BASE_URL for a \
                 self-hosted server)"
                    .into(),
            ))
        }
    };
    let model = var("ANCRE_EMBEDDING_MODEL").unwrap_or_else(|| "text-embedding-3-small".into());
    let native = OpenAiEmbedderConfig::known_dimension(&model);
    let dimension = match (var("ANCRE_EMBEDDING_DIMENSION"), native) {
        (Some(_), _) => parse("ANCRE_EMBEDDING_DIMENSION", 0usize)?,
        (None, Some(native)) => native,
        (None, None) => {
            return Err(ConfigError(format!(
                "ANCRE_EMBEDDING_MODEL={model:?} is not one we know the dimension of: set \
                 ANCRE_EMBEDDING_DIMENSION"
            )))
        }
    };
    if dimension == 0 {
        return Err(ConfigError(
            "ANCRE_EMBEDDING_DIMENSION must be positive".into(),
        ));
    }
    Ok(OpenAiEmbedderConfig {
        api_base,
        api_key,
        // OpenAI's models can shorten their vectors when asked; others are
        // taken at their own size.
        request_dimension: native.is_some_and(|n| n != dimension),
        model,
        dimension,
        batch_size: parse("ANCRE_EMBEDDING_BATCH", 64usize)?.max(1),
        timeout: Duration::from_secs(parse("ANCRE_EMBEDDING_TIMEOUT_SECS", 60)?),
    })
}

/// The OpenAI-compatible chat endpoint's settings (see `Config::chat`).
fn openai_chat() -> Result<OpenAiChatConfig, ConfigError> {
    const OPENAI: &str = "https://api.openai.com/v1";
    let api_base = var("ANCRE_CHAT_BASE_URL")
        .or_else(|| var("ANCRE_OPENAI_BASE_URL"))
        .unwrap_or_else(|| OPENAI.into());
    let api_key = match var("OPENAI_API_KEY") {
        Some(key) => key,
        None if api_base != OPENAI => String::new(),
        None => {
            return Err(ConfigError(
                "ANCRE_CHAT=openai needs OPENAI_API_KEY (or ANCRE_CHAT_BASE_URL for a \
                 self-hosted server)"
                    .into(),
            ))
        }
    };
    let default_model = var("ANCRE_CHAT_MODEL").unwrap_or_else(|| "gpt-4o-mini".into());
    let mut models = list("ANCRE_CHAT_MODELS");
    if !models.contains(&default_model) {
        models.insert(0, default_model.clone());
    }
    let max_tokens = positive("ANCRE_CHAT_MAX_TOKENS", 1024u32)?;
    Ok(OpenAiChatConfig {
        api_base,
        api_key,
        default_model,
        models,
        max_tokens,
        timeout: Duration::from_secs(parse("ANCRE_CHAT_TIMEOUT_SECS", 60)?),
    })
}

/// How long a client may take to send a request head, and to be answered;
/// how many connections are served at once.
fn connection_limits() -> Result<crate::serve::ConnectionLimits, ConfigError> {
    let defaults = crate::serve::ConnectionLimits::default();
    Ok(crate::serve::ConnectionLimits {
        header_read_timeout: positive_secs(
            "ANCRE_HEADER_READ_TIMEOUT_SECS",
            defaults.header_read_timeout,
        )?,
        request_timeout: positive_secs("ANCRE_REQUEST_TIMEOUT_SECS", defaults.request_timeout)?,
        max_connections: positive("ANCRE_MAX_CONNECTIONS", defaults.max_connections)?,
    })
}

/// How live document feeds end (see `Config::feed_limits`).
fn feed_limits() -> Result<crate::routes::document_feed::FeedLimits, ConfigError> {
    let defaults = crate::routes::document_feed::FeedLimits::default();
    Ok(crate::routes::document_feed::FeedLimits {
        recheck: positive_secs("ANCRE_FEED_RECHECK_SECS", defaults.recheck)?,
        max_lifetime: positive_secs("ANCRE_FEED_MAX_SECS", defaults.max_lifetime)?,
        max_per_tenant: positive("ANCRE_FEED_MAX_PER_TENANT", defaults.max_per_tenant)?,
    })
}

/// Stripe's settings, when `STRIPE_SECRET_KEY` is set (see `Config::billing`).
fn stripe() -> Result<Option<crate::billing::StripeConfig>, ConfigError> {
    let Some(secret_key) = var("STRIPE_SECRET_KEY") else {
        return Ok(None);
    };
    let needed = |name: &str| {
        var(name).ok_or_else(|| ConfigError(format!("STRIPE_SECRET_KEY is set but {name} is not")))
    };
    Ok(Some(crate::billing::StripeConfig {
        secret_key,
        webhook_secret: needed("STRIPE_WEBHOOK_SECRET")?,
        price_pro: needed("STRIPE_PRICE_PRO")?,
        api_base: var("ANCRE_STRIPE_API_BASE").unwrap_or_else(|| "https://api.stripe.com".into()),
        public_url: var("ANCRE_PUBLIC_URL").unwrap_or_else(|| "http://localhost:8000".into()),
        webhook_tolerance: Duration::from_secs(parse("STRIPE_WEBHOOK_TOLERANCE_SECS", 300)?),
        timeout: Duration::from_secs(parse("ANCRE_STRIPE_TIMEOUT_SECS", 30)?),
    }))
}

fn nango() -> Result<Option<ancre_connectors::nango::NangoConfig>, ConfigError> {
    let Some(secret_key) = var("NANGO_SECRET_KEY") else {
        return Ok(None);
    };
    let url = var("NANGO_URL")
        .ok_or_else(|| ConfigError("NANGO_SECRET_KEY is set but NANGO_URL is not".into()))?;
    Ok(Some(ancre_connectors::nango::NangoConfig {
        url,
        webhook_secret: var("NANGO_WEBHOOK_SECRET").unwrap_or_else(|| secret_key.clone()),
        secret_key,
        connect_url: var("NANGO_CONNECT_URL"),
        public_url: var("NANGO_PUBLIC_URL"),
        timeout: Duration::from_secs(parse("NANGO_TIMEOUT_SECS", 60)?),
    }))
}

impl Config {
    /// Reads `.env` (if any), then the environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        let _ = dotenvy::dotenv();
        let database_url = var("DATABASE_URL").ok_or_else(|| {
            ConfigError(
                "DATABASE_URL is not set (`make run` starts a local PostgreSQL for you)".into(),
            )
        })?;
        let clerk =
            match (var("CLERK_ISSUER"), var("CLERK_JWKS_URL")) {
                (None, None) => None,
                (None, Some(_)) => return Err(ConfigError(
                    "CLERK_JWKS_URL is set but CLERK_ISSUER is not: tokens' issuer must be checked"
                        .into(),
                )),
                (Some(issuer), jwks) => Some(ClerkConfig {
                    jwks_url: jwks.unwrap_or_else(|| {
                        format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/'))
                    }),
                    issuer,
                    authorized_parties: AuthorizedParties::new(list("CLERK_AUTHORIZED_PARTIES"))
                        .ok_or_else(|| {
                            ConfigError(
                            "CLERK_ISSUER is set but CLERK_AUTHORIZED_PARTIES is not: name the \
                             origins of your web UI (the `azp` of its session tokens, e.g. \
                             https://app.example.com), or any token of the issuer is accepted"
                                .into(),
                        )
                        })?,
                    min_refresh_interval: Duration::from_secs(parse(
                        "CLERK_JWKS_MIN_REFRESH_SECS",
                        10,
                    )?),
                }),
            };
        let platform_admins = list("ANCRE_PLATFORM_ADMINS")
            .iter()
            .map(|u| {
                UserId::parse(u).ok_or_else(|| ConfigError(format!("bad admin user id {u:?}")))
            })
            .collect::<Result<_, _>>()?;
        let log_format = var("ANCRE_LOG_FORMAT").unwrap_or_else(|| "pretty".into());
        if !matches!(log_format.as_str(), "pretty" | "json") {
            return Err(ConfigError(format!(
                "ANCRE_LOG_FORMAT={log_format:?}: use pretty or json"
            )));
        }
        let s3 = match var("ANCRE_S3_BUCKET") {
            None => None,
            Some(bucket) => Some(ancre_ingestion::storage::S3Config {
                endpoint: var("ANCRE_S3_ENDPOINT"),
                region: var("ANCRE_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                bucket,
                access_key_id: var("AWS_ACCESS_KEY_ID").ok_or_else(|| {
                    ConfigError("ANCRE_S3_BUCKET is set but AWS_ACCESS_KEY_ID is not".into())
                })?,
                secret_access_key: var("AWS_SECRET_ACCESS_KEY").ok_or_else(|| {
                    ConfigError("ANCRE_S3_BUCKET is set but AWS_SECRET_ACCESS_KEY is not".into())
                })?,
            }),
        };
        let kafka = match var("ANCRE_KAFKA_BROKERS") {
            None => None,
            Some(brokers) => Some(ancre_relay::KafkaConfig {
                topic_prefix: parse(
                    "ANCRE_KAFKA_TOPIC_PREFIX",
                    ancre_relay::config::DEFAULT_TOPIC_PREFIX.to_owned(),
                )?,
                partitions: positive(
                    "ANCRE_KAFKA_PARTITIONS",
                    ancre_relay::config::DEFAULT_PARTITIONS,
                )?,
                replication_factor: positive("ANCRE_KAFKA_REPLICATION_FACTOR", 1)?,
                ..ancre_relay::KafkaConfig::new(brokers)
            }),
        };
        let data_dir = parse("ANCRE_DATA_DIR", PathBuf::from(".data"))?;
        let remote_embedder = match var("ANCRE_EMBEDDER").as_deref() {
            None | Some("local") => None,
            Some("openai") => Some(openai_embedder()?),
            Some(other) => {
                return Err(ConfigError(format!(
                    "ANCRE_EMBEDDER={other:?}: use local or openai"
                )))
            }
        };
        let chat = match var("ANCRE_CHAT").as_deref() {
            None | Some("extractive") => None,
            Some("openai") => Some(openai_chat()?),
            Some(other) => {
                return Err(ConfigError(format!(
                    "ANCRE_CHAT={other:?}: use extractive or openai"
                )))
            }
        };
        Ok(Config {
            billing: stripe()?,
            nango: nango()?,
            chat,
            remote_embedder,
            database_url: DatabaseUrl::new(database_url),
            s3,
            database_max_connections: parse("DATABASE_MAX_CONNECTIONS", 20)?,
            listen: parse("ANCRE_LISTEN", SocketAddr::from(([0, 0, 0, 0], 8000)))?,
            connection_limits: connection_limits()?,
            feed_limits: feed_limits()?,
            dev_auth_bypass: parse("DEV_AUTH_BYPASS", false)?,
            dev_auth_bypass_anywhere: parse("DANGER_DEV_AUTH_BYPASS_ANYWHERE", false)?,
            clerk,
            platform_admins,
            max_free_workspaces_per_user: parse("ANCRE_MAX_FREE_WORKSPACES_PER_USER", 3)?,
            read_your_writes_timeout: Duration::from_millis(parse(
                "ANCRE_READ_YOUR_WRITES_TIMEOUT_MS",
                5000,
            )?),
            projector_poll_interval: Duration::from_millis(parse("ANCRE_PROJECTOR_POLL_MS", 500)?),
            log_json: log_format == "json",
            index_dir: parse("ANCRE_INDEX_DIR", data_dir.join("index"))?,
            index_optimize_every: parse(
                "ANCRE_INDEX_OPTIMIZE_EVERY",
                ancre_ingestion::search_index::DEFAULT_OPTIMIZE_EVERY,
            )?,
            index_hnsw_threshold_kb: optional("ANCRE_INDEX_HNSW_THRESHOLD_KB")?,
            search_threads: optional("ANCRE_SEARCH_THREADS")?,
            kafka,
            index_lock_wait: Duration::from_secs(parse("ANCRE_INDEX_LOCK_WAIT_SECS", 20)?),
            qdrant: var("ANCRE_QDRANT_URL").map(|url| QdrantConfig {
                url,
                api_key: var("ANCRE_QDRANT_API_KEY"),
                collection_prefix: var("ANCRE_QDRANT_COLLECTION_PREFIX")
                    .unwrap_or_else(|| QDRANT_COLLECTION_PREFIX.into()),
            }),
            data_dir,
            max_upload_bytes: parse("ANCRE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)?,
            max_upload_files: parse("ANCRE_MAX_UPLOAD_FILES", 20)?,
            max_pages: parse("ANCRE_MAX_PAGES", 2000)?,
            pdfium_library: parse("ANCRE_PDFIUM_LIB", assets_dir().join("libpdfium.so"))?,
            pdf_worker: var("ANCRE_PDF_WORKER").map(PathBuf::from),
            pdf_memory_limit_mb: parse("ANCRE_PDF_MEMORY_LIMIT_MB", 1024)?,
            pdf_timeout: Duration::from_secs(parse("ANCRE_PDF_TIMEOUT_SECS", 120)?),
            e5_weights: parse("ANCRE_E5_WEIGHTS", assets_dir().join("e5-small-q4.bin"))?,
            web_dir: parse("ANCRE_WEB_DIR", PathBuf::from("frontend/dist"))?,
            pipeline_workers: parse("ANCRE_PIPELINE_WORKERS", 1)?,
            pipeline_lease: Duration::from_secs(parse("ANCRE_PIPELINE_LEASE_SECS", 60)?),
            token_reservation_expiry: Duration::from_secs(parse(
                "ANCRE_TOKEN_RESERVATION_EXPIRY_SECS",
                900,
            )?),
            metrics_token: var("ANCRE_METRICS_TOKEN").map(MetricsToken::new),
        })
    }

    /// The dev bypass makes anyone who reaches the server an owner: it is for
    /// a developer's own machine. Refused when the server listens beyond
    /// loopback, or is configured for real users (Clerk) or real money
    /// (Stripe), unless `DANGER_DEV_AUTH_BYPASS_ANYWHERE=true`.
    pub fn check_dev_bypass(&self) -> Result<(), ConfigError> {
        if !self.dev_auth_bypass || self.dev_auth_bypass_anywhere {
            return Ok(());
        }
        let mut reasons = vec![];
        if !self.listen.ip().is_loopback() {
            reasons.push(format!(
                "ANCRE_LISTEN={} is reachable from other machines (listen on 127.0.0.1)",
                self.listen
            ));
        }
        if self.clerk.is_some() {
            reasons.push("Clerk sign-in is configured (CLERK_ISSUER)".to_owned());
        }
        if self.billing.is_some() {
            reasons.push("Stripe billing is configured (STRIPE_SECRET_KEY)".to_owned());
        }
        if reasons.is_empty() {
            return Ok(());
        }
        Err(ConfigError(format!(
            "DEV_AUTH_BYPASS=true lets any request without credentials act as an owner, and {}; \
             unset DEV_AUTH_BYPASS, or set DANGER_DEV_AUTH_BYPASS_ANYWHERE=true if you really \
             mean it",
            reasons.join(", and ")
        )))
    }

    /// Defaults around a database URL (used by tests and tools).
    pub fn for_database(database_url: &str) -> Config {
        let data_dir =
            std::env::temp_dir().join(format!("ancre-{}", uuid::Uuid::new_v4().simple()));
        Config {
            billing: None,
            nango: None,
            chat: None,
            remote_embedder: None,
            database_url: DatabaseUrl::new(database_url),
            s3: None,
            kafka: None,
            index_lock_wait: Duration::from_secs(20),
            database_max_connections: 20,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            connection_limits: crate::serve::ConnectionLimits::default(),
            feed_limits: Default::default(),
            dev_auth_bypass: false,
            dev_auth_bypass_anywhere: false,
            clerk: None,
            platform_admins: vec![],
            max_free_workspaces_per_user: 3,
            read_your_writes_timeout: Duration::from_secs(5),
            projector_poll_interval: Duration::from_millis(500),
            log_json: false,
            index_dir: data_dir.join("index"),
            index_optimize_every: ancre_ingestion::search_index::DEFAULT_OPTIMIZE_EVERY,
            index_hnsw_threshold_kb: None,
            search_threads: None,
            qdrant: None,
            data_dir,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            max_upload_files: 20,
            max_pages: 2000,
            pdfium_library: var("ANCRE_PDFIUM_LIB")
                .map(PathBuf::from)
                .unwrap_or_else(|| assets_dir().join("libpdfium.so")),
            pdf_worker: None,
            pdf_memory_limit_mb: 1024,
            pdf_timeout: Duration::from_secs(120),
            e5_weights: var("ANCRE_E5_WEIGHTS")
                .map(PathBuf::from)
                .unwrap_or_else(|| assets_dir().join("e5-small-q4.bin")),
            web_dir: PathBuf::from("frontend/dist"),
            pipeline_workers: 1,
            pipeline_lease: Duration::from_secs(60),
            token_reservation_expiry: Duration::from_secs(900),
            metrics_token: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the environment: nextest runs each test in a process of its
    /// own, so no other test sees these variables.
    #[test]
    fn search_threads_is_a_positive_count_or_one_per_core() {
        std::env::set_var("DATABASE_URL", "postgres://localhost/ancre");
        std::env::remove_var("ANCRE_SEARCH_THREADS");
        assert_eq!(Config::from_env().unwrap().search_threads, None);

        std::env::set_var("ANCRE_SEARCH_THREADS", "8");
        assert_eq!(
            Config::from_env().unwrap().search_threads,
            NonZeroUsize::new(8)
        );

        for bad in ["0", "-2", "many"] {
            std::env::set_var("ANCRE_SEARCH_THREADS", bad);
            let err = Config::from_env().unwrap_err().to_string();
            assert!(err.contains("ANCRE_SEARCH_THREADS"), "{bad}: {err}");
        }
    }

    #[test]
    fn counts_and_durations_that_must_be_positive_refuse_zero() {
        std::env::set_var("DATABASE_URL", "postgres://localhost/ancre");
        for name in [
            "ANCRE_HEADER_READ_TIMEOUT_SECS",
            "ANCRE_REQUEST_TIMEOUT_SECS",
            "ANCRE_MAX_CONNECTIONS",
            "ANCRE_FEED_RECHECK_SECS",
            "ANCRE_FEED_MAX_SECS",
            "ANCRE_FEED_MAX_PER_TENANT",
        ] {
            std::env::set_var(name, "0");
            let err = Config::from_env().unwrap_err().to_string();
            assert!(err.contains(&format!("{name} must be at least 1")), "{err}");
            std::env::set_var(name, "7");
        }
        let config = Config::from_env().unwrap();
        assert_eq!(
            config.connection_limits.request_timeout,
            Duration::from_secs(7)
        );
        assert_eq!(config.feed_limits.max_per_tenant, 7);
    }

    #[test]
    fn clerk_needs_its_authorized_parties() {
        std::env::set_var("DATABASE_URL", "postgres://localhost/ancre");
        std::env::set_var("CLERK_ISSUER", "https://clerk.example.com");
        std::env::remove_var("CLERK_AUTHORIZED_PARTIES");
        let err = Config::from_env().unwrap_err().to_string();
        assert!(err.contains("CLERK_AUTHORIZED_PARTIES"), "{err}");

        std::env::set_var(
            "CLERK_AUTHORIZED_PARTIES",
            "https://app.example.com, https://admin.example.com",
        );
        let parties = Config::from_env()
            .unwrap()
            .clerk
            .unwrap()
            .authorized_parties;
        assert!(parties.allows("https://admin.example.com"));
        assert!(!parties.allows("https://other.example.com"));
        assert!(!parties.allows(""));
    }

    fn bypass(listen: &str) -> Config {
        let mut config = Config::for_database("postgres://localhost/ancre");
        config.dev_auth_bypass = true;
        config.listen = listen.parse().unwrap();
        config
    }

    fn stripe() -> crate::billing::StripeConfig {
        crate::billing::StripeConfig {
            secret_key: "sk_live_SECRET1".into(),
            webhook_secret: "whsec_SECRET2".into(),
            price_pro: "price_pro".into(),
            api_base: "https://api.stripe.com".into(),
            public_url: "https://app.example.com".into(),
            webhook_tolerance: Duration::from_secs(300),
            timeout: Duration::from_secs(30),
        }
    }

    #[test]
    fn the_dev_bypass_serves_only_a_developers_own_machine() {
        // Loopback, no identity provider, no billing: allowed (`make run`).
        bypass("127.0.0.1:8000").check_dev_bypass().unwrap();
        bypass("[::1]:8000").check_dev_bypass().unwrap();
        // Without the bypass, anything goes.
        let mut off = bypass("0.0.0.0:8000");
        off.dev_auth_bypass = false;
        off.check_dev_bypass().unwrap();

        let exposed = bypass("0.0.0.0:8000");
        let err = exposed.check_dev_bypass().unwrap_err().to_string();
        assert!(err.contains("ANCRE_LISTEN=0.0.0.0:8000"), "{err}");
        assert!(err.contains("DANGER_DEV_AUTH_BYPASS_ANYWHERE"), "{err}");

        let mut with_clerk = bypass("127.0.0.1:8000");
        with_clerk.clerk = Some(ClerkConfig {
            issuer: "https://clerk.example.com".into(),
            jwks_url: "https://clerk.example.com/.well-known/jwks.json".into(),
            authorized_parties: AuthorizedParties::new(vec!["https://app".into()]).unwrap(),
            min_refresh_interval: Duration::from_secs(10),
        });
        let err = with_clerk.check_dev_bypass().unwrap_err().to_string();
        assert!(err.contains("Clerk"), "{err}");

        let mut with_stripe = bypass("127.0.0.1:8000");
        with_stripe.billing = Some(stripe());
        let err = with_stripe.check_dev_bypass().unwrap_err().to_string();
        assert!(err.contains("Stripe"), "{err}");

        // The loudly named override.
        let mut forced = bypass("0.0.0.0:8000");
        forced.billing = Some(stripe());
        forced.dev_auth_bypass_anywhere = true;
        forced.check_dev_bypass().unwrap();
    }

    #[test]
    fn a_printed_configuration_shows_no_secret() {
        let mut config = Config::for_database(
            "postgres://ancre:PGSECRET0@db.internal:5432/ancre?sslmode=require",
        );
        config.billing = Some(stripe());
        config.s3 = Some(ancre_ingestion::storage::S3Config {
            endpoint: Some("http://s3.internal".into()),
            region: "us-east-1".into(),
            bucket: "ancre".into(),
            access_key_id: "AKIA".into(),
            secret_access_key: "S3SECRET3".into(),
        });
        config.qdrant = Some(QdrantConfig {
            url: "http://qdrant:6334".into(),
            api_key: Some("QDRANTSECRET4".into()),
            collection_prefix: QDRANT_COLLECTION_PREFIX.into(),
        });
        config.chat = Some(OpenAiChatConfig {
            api_base: "https://api.openai.com/v1".into(),
            api_key: "sk-CHATSECRET5".into(),
            default_model: "gpt-4o-mini".into(),
            models: vec!["gpt-4o-mini".into()],
            max_tokens: 1024,
            timeout: Duration::from_secs(60),
        });
        config.remote_embedder = Some(OpenAiEmbedderConfig {
            api_base: "https://api.openai.com/v1".into(),
            api_key: "sk-EMBEDSECRET6".into(),
            model: "text-embedding-3-small".into(),
            dimension: 1536,
            request_dimension: false,
            batch_size: 64,
            timeout: Duration::from_secs(60),
        });
        config.metrics_token = Some(MetricsToken::new("METRICSSECRET7"));
        let printed = format!("{config:?}");
        for secret in [
            "PGSECRET0",
            "SECRET1",
            "SECRET2",
            "S3SECRET3",
            "QDRANTSECRET4",
            "CHATSECRET5",
            "EMBEDSECRET6",
            "METRICSSECRET7",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        // What an operator needs to read stays.
        assert!(printed.contains("postgres://ancre:***@db.internal:5432/ancre?sslmode=require"));
        assert!(printed.contains("price_pro"));

        for (url, shown) in [
            ("postgres://localhost/ancre", "postgres://localhost/ancre"),
            ("postgres://u@h/db", "postgres://u:***@h/db"),
            ("postgres://h/db?password=PW", "postgres://<hidden>"),
            ("host=h password=PW", "<database url>"),
        ] {
            assert_eq!(format!("{:?}", DatabaseUrl::new(url)), shown);
        }
    }
}
