//! The OpenAI-compatible embedder (async-openai) against a local server that
//! speaks OpenAI's embeddings protocol: order, dimensions, normalisation, and
//! which failures are retried.

use std::sync::Arc;
use std::time::Duration;

use ancre_ingestion::chunker::TokenCounter;
use ancre_ingestion::embedders::openai::{OpenAiEmbedder, OpenAiEmbedderConfig};
use ancre_ingestion::embedders::{EmbedError, Embedder};
use ancre_testkit::openai::{Failure, FakeOpenAi, API_KEY};

struct Words;

impl TokenCounter for Words {
    fn count(&self, text: &str) -> usize {
        text.split_whitespace().count()
    }
}

fn config(base: String, dimension: usize) -> OpenAiEmbedderConfig {
    OpenAiEmbedderConfig {
        api_base: base,
        api_key: API_KEY.into(),
        model: "text-embedding-3-small".into(),
        dimension,
        request_dimension: false,
        batch_size: 8,
        timeout: Duration::from_secs(10),
    }
}

fn embedder(config: OpenAiEmbedderConfig) -> OpenAiEmbedder {
    OpenAiEmbedder::new(config, Arc::new(Words))
}

/// Equal up to the rounding of a second normalisation.
fn same(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6)
}

fn texts() -> Vec<String> {
    [
        "Le chat dort sur le canapé.",
        "The cat sleeps on the sofa.",
        "Facture n° 42 — échéance 30 jours",
    ]
    .map(String::from)
    .to_vec()
}

#[tokio::test]
async fn vectors_come_back_in_input_order_normalised_with_the_request_openai_expects() {
    let server = FakeOpenAi::start(1536).await;
    let e = embedder(config(server.base_url(), 1536));
    assert_eq!(e.model(), "text-embedding-3-small");
    assert_eq!(e.dimension(), 1536);
    let vectors = e.embed_passages(&texts()).await.unwrap();
    // The server answers in reverse order: only the `index` puts them right.
    assert_eq!(vectors.len(), 3);
    for (text, v) in texts().iter().zip(&vectors) {
        assert!(same(v, &FakeOpenAi::vector(text, 1536)), "{text}");
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["model"], "text-embedding-3-small");
    assert_eq!(requests[0]["input"], serde_json::json!(texts()));
    assert!(requests[0].get("dimensions").is_none(), "{}", requests[0]);

    let q = e.embed_query("chat").await.unwrap();
    assert!(same(&q, &FakeOpenAi::vector("chat", 1536)));
    assert_eq!(e.count("un deux trois"), 3, "the local counter counts");
}

#[tokio::test]
async fn a_shortened_dimension_is_requested_when_configured() {
    let server = FakeOpenAi::start(1536).await;
    let mut c = config(server.base_url(), 256);
    c.request_dimension = true;
    let vectors = embedder(c).embed_passages(&texts()).await.unwrap();
    assert!(vectors.iter().all(|v| v.len() == 256));
    assert_eq!(server.requests()[0]["dimensions"], 256);
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retryable_and_the_next_call_succeeds() {
    let server = FakeOpenAi::start(64).await;
    let e = embedder(config(server.base_url(), 64));
    // async-openai itself retries a few times within one call; past that,
    // the failure reaches the pipeline as retryable.
    for (failure, expected) in [
        (Failure::rate_limited(), "429"),
        (Failure::server_error(), "500"),
    ] {
        server.fail_next(std::iter::repeat_n(failure, 8));
        match e.embed_passages(&texts()).await {
            Err(EmbedError::Transient(m)) => assert!(m.contains(expected), "{m}"),
            other => panic!("expected a transient {expected}, got {other:?}"),
        }
        server.clear_failures();
        assert_eq!(e.embed_passages(&texts()).await.unwrap().len(), 3);
    }
}

#[tokio::test]
async fn refusals_that_retrying_cannot_fix_are_permanent_and_say_why() {
    let server = FakeOpenAi::start(64).await;

    let mut bad_key = config(server.base_url(), 64);
    bad_key.api_key = "sk-wrong".into();
    match embedder(bad_key).embed_passages(&texts()).await {
        Err(EmbedError::Permanent(m)) => {
            assert!(m.contains("401") && m.contains("OPENAI_API_KEY"), "{m}")
        }
        other => panic!("{other:?}"),
    }

    let e = embedder(config(server.base_url(), 64));
    server.fail_next([Failure::context_length()]);
    match e.embed_passages(&texts()).await {
        Err(EmbedError::Permanent(m)) => assert!(m.contains("maximum context length"), "{m}"),
        other => panic!("{other:?}"),
    }

    // The endpoint's vectors are not the configured size: say so, never store them.
    let wrong_size = embedder(config(server.base_url(), 1536));
    match wrong_size.embed_passages(&texts()).await {
        Err(EmbedError::Permanent(m)) => assert!(m.contains("64-d") && m.contains("1536-d"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_or_silent_endpoint_is_retryable() {
    // Nothing listens on a port we just released.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = embedder(config(format!("http://127.0.0.1:{port}/v1"), 64));
    match e.embed_passages(&texts()).await {
        Err(EmbedError::Transient(m)) => assert!(m.contains("unreachable"), "{m}"),
        other => panic!("{other:?}"),
    }

    // A server that accepts the connection and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut c = config(format!("http://{}/v1", silent.local_addr().unwrap()), 64);
    c.timeout = Duration::from_millis(300);
    match embedder(c).embed_passages(&texts()).await {
        Err(EmbedError::Transient(m)) => assert!(m.contains("did not answer"), "{m}"),
        other => panic!("{other:?}"),
    }
    drop(silent);
}
