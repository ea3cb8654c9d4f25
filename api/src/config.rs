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
    pub database_url: String,
    /// `DATABASE_MAX_CONNECTIONS`.
    pub database_max_connections: u32,
    /// `ANCRE_LISTEN`: address to serve on.
    pub listen: SocketAddr,
    /// `DEV_AUTH_BYPASS`: requests without credentials act as the dev user of the dev tenant.
    pub dev_auth_bypass: bool,
    /// Clerk session tokens, when configured.
    pub clerk: Option<ClerkConfig>,
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
    /// new assistants, `gpt-4o-mini`), `ANCRE_CHAT_TIMEOUT_SECS` (60: for the
    /// first byte and between two pieces of an answer). `extractive` stays
    /// available to every assistant.
    pub chat: Option<OpenAiChatConfig>,
    /// Stripe billing (see [`crate::billing::StripeConfig`]); `None` when
    /// `STRIPE_SECRET_KEY` is unset: the billing routes say so and every
    /// tenant stays on its plan (Free unless an admin moved it).
    pub billing: Option<crate::billing::StripeConfig>,
    /// `ANCRE_WEB_DIR`: the built web UI (`frontend/dist`, which `make run`
    /// builds), served at `/`.
    pub web_dir: PathBuf,
    /// `ANCRE_PIPELINE_WORKERS`: documents processed at once.
    pub pipeline_workers: usize,
    /// `ANCRE_PIPELINE_LEASE_SECS`: a job whose worker died is taken up again after this.
    pub pipeline_lease: Duration,
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
    /// `CLERK_AUTHORIZED_PARTIES`: accepted `azp` values (comma-separated); empty = any.
    pub authorized_parties: Vec<String>,
    /// `CLERK_JWKS_MIN_REFRESH_SECS`: at most one JWKS refresh per this interval
    /// when tokens name an unknown `kid`.
    pub min_refresh_interval: Duration,
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
}

/// Without the key: configurations get logged.
impl std::fmt::Debug for QdrantConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QdrantConfig")
            .field("url", &self.url)
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
    Ok(OpenAiChatConfig {
        api_base,
        api_key,
        default_model: var("ANCRE_CHAT_MODEL").unwrap_or_else(|| "gpt-4o-mini".into()),
        timeout: Duration::from_secs(parse("ANCRE_CHAT_TIMEOUT_SECS", 60)?),
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
                    authorized_parties: list("CLERK_AUTHORIZED_PARTIES"),
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
            chat,
            remote_embedder,
            database_url,
            s3,
            database_max_connections: parse("DATABASE_MAX_CONNECTIONS", 20)?,
            listen: parse("ANCRE_LISTEN", SocketAddr::from(([0, 0, 0, 0], 8000)))?,
            dev_auth_bypass: parse("DEV_AUTH_BYPASS", false)?,
            clerk,
            platform_admins,
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
            qdrant: var("ANCRE_QDRANT_URL").map(|url| QdrantConfig {
                url,
                api_key: var("ANCRE_QDRANT_API_KEY"),
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
        })
    }

    /// Defaults around a database URL (used by tests and tools).
    pub fn for_database(database_url: &str) -> Config {
        let data_dir =
            std::env::temp_dir().join(format!("ancre-{}", uuid::Uuid::new_v4().simple()));
        Config {
            billing: None,
            chat: None,
            remote_embedder: None,
            database_url: database_url.to_owned(),
            s3: None,
            database_max_connections: 20,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            dev_auth_bypass: false,
            clerk: None,
            platform_admins: vec![],
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
}
