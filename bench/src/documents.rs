//! The HTTP calls the ingestion benches make: a collection, an upload, and
//! the wait for a document to be indexed.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::Value;

/// POSTs `body` as JSON to `base` + `path`; the JSON answer, or an error on
/// any status but 2xx.
pub async fn post_json(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    body: &Value,
) -> anyhow::Result<Value> {
    Ok(http
        .post(format!("{base}{path}"))
        .json(body)
        .send()
        .await?
        .error_for_status()
        .with_context(|| format!("POST {path}"))?
        .json()
        .await?)
}

/// A new collection named `name`; its id.
pub async fn collection(http: &reqwest::Client, base: &str, name: &str) -> anyhow::Result<String> {
    let body = serde_json::json!({ "name": name });
    let collection = post_json(http, base, "/api/v1/collections", &body).await?;
    Ok(collection["id"]
        .as_str()
        .context("collection id")?
        .to_owned())
}

/// A new assistant `name` over `collections` with the `retrieval` settings
/// given (`Value::Null` for the defaults); its id.
pub async fn assistant(
    http: &reqwest::Client,
    base: &str,
    name: &str,
    collections: &[&str],
    retrieval: Value,
) -> anyhow::Result<String> {
    let mut body = serde_json::json!({ "name": name, "collections": collections });
    if !retrieval.is_null() {
        body["retrieval"] = retrieval;
    }
    let assistant = post_json(http, base, "/api/v1/assistants", &body).await?;
    Ok(assistant["id"].as_str().context("assistant id")?.to_owned())
}

/// Uploads `files` (name, bytes) into `collection` in one request; the ids
/// of the documents it made.
pub async fn upload(
    http: &reqwest::Client,
    base: &str,
    collection: &str,
    files: &[(String, Vec<u8>)],
) -> anyhow::Result<Vec<String>> {
    let mut form = reqwest::multipart::Form::new();
    for (name, bytes) in files {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.clone()),
        );
    }
    let uploaded: Value = http
        .post(format!("{base}/api/v1/documents/upload/{collection}"))
        .multipart(form)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(uploaded["documents"]
        .as_array()
        .context("upload answer")?
        .iter()
        .filter_map(|d| d["id"].as_str().map(str::to_owned))
        .collect())
}

/// The document once `indexed`; an error if it failed or is still on its
/// way at `deadline`.
pub async fn indexed(
    http: &reqwest::Client,
    base: &str,
    id: &str,
    deadline: Instant,
) -> anyhow::Result<Value> {
    loop {
        let doc: Value = http
            .get(format!("{base}/api/v1/documents/{id}"))
            .send()
            .await?
            .json()
            .await?;
        match doc["status"].as_str() {
            Some("indexed") => return Ok(doc),
            Some("failed") => anyhow::bail!("{doc}"),
            _ => {}
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "document {id} did not settle in 30 min"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
