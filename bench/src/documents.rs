//! The HTTP calls the ingestion benches make: a collection, an upload, and
//! the wait for a document to be indexed.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::Value;

/// A new collection named `name`; its id.
pub async fn collection(http: &reqwest::Client, base: &str, name: &str) -> anyhow::Result<String> {
    let collection: Value = http
        .post(format!("{base}/api/v1/collections"))
        .json(&serde_json::json!({ "name": name }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(collection["id"]
        .as_str()
        .context("collection id")?
        .to_owned())
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
