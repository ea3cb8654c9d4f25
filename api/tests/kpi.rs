//! The copilot's KPI action (`POST /api/v1/copilotkit/actions/kpi`) on a
//! tenant with real documents (one of them failing) and real chats: its
//! figures equal what `/usage`, the documents list and the ledger say; each
//! role sees its sections only; another tenant's figures never show.

mod common;

use std::collections::BTreeMap;

use common::{assistant, body, ingest, metric_used, problem, settled, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const KPI: &str = "/api/v1/copilotkit/actions/kpi";

async fn kpi(app: &TestApp, user: &str, tenant: &str) -> Value {
    let r = app
        .as_user(user, Method::POST, KPI)
        .header("x-ancre-tenant", tenant)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    body(r).await
}

async fn get(app: &TestApp, user: &str, tenant: &str, path: &str) -> Value {
    let r = app
        .as_user(user, Method::GET, path)
        .header("x-ancre-tenant", tenant)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    body(r).await
}

#[tokio::test]
async fn kpis_match_usage_documents_and_ledger_and_follow_the_role() {
    let app = TestApp::start().await;
    let tenant = app.tenant_of("kim", "Figures").await;
    app.join("kim", &tenant, "mia", "member").await;
    app.join("kim", &tenant, "fin", "billing").await;
    let (_, key) = app.api_key("kim", &tenant).await;

    // Two documents that index, one that fails (a password-protected PDF).
    let ids = ingest(
        &app,
        "kim",
        &[
            "md/gzt-README.fr.md",
            "txt/GPL-3.txt",
            "bad/encrypted-userpw-aes256.pdf",
        ],
    )
    .await;
    let mut collection = String::new();
    for id in ids.values() {
        let d = settled(&app, "kim", id).await;
        collection = d["collection_id"].as_str().unwrap().to_owned();
    }
    let helper = assistant(&app, "kim", &[&collection]).await;
    // Each answer's wait, as long as the whole request took: an upper bound
    // of its time to first token.
    let mut longest_ms = 0u128;
    for question in ["What is the GPL?", "Qu'est-ce que la Gazette ?"] {
        let asked = std::time::Instant::now();
        let r = app
            .as_user("kim", Method::POST, &format!("/api/v1/chat/{helper}"))
            .header("x-ancre-tenant", &tenant)
            .json(&json!({ "message": question }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        longest_ms = longest_ms.max(asked.elapsed().as_millis());
    }

    // A turn's tokens are recorded once it ends, after its answer: wait
    // until both turns are (their reservations given back), with a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let usage = get(&app, "kim", &tenant, "/api/v1/usage").await;
        let used = |name: &str| metric_used(&usage, name);
        if used("llm_tokens_reserved") == 0 && used("llm_tokens_out") > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the turns' usage is not recorded: {usage}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let owner = kpi(&app, "kim", &tenant).await;
    assert_eq!(owner["role"], "owner");

    // Documents: as the list says, status by status.
    let list = get(&app, "kim", &tenant, "/api/v1/documents?limit=100").await;
    let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
    for d in list["items"].as_array().unwrap() {
        *by_status
            .entry(d["status"].as_str().unwrap().into())
            .or_default() += 1;
    }
    let documents = &owner["workspace"]["documents"];
    assert_eq!(documents["total"], list["total"]);
    assert_eq!(documents["by_status"], json!(by_status));
    assert_eq!(by_status.get("indexed"), Some(&2), "{by_status:?}");

    // The failure, with the reason the document gives.
    let failed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["status"] == "failed")
        .expect("the encrypted PDF failed");
    let failures = &owner["workspace"]["failures"];
    assert_eq!(
        (failures["days"].as_i64(), failures["total"].as_i64()),
        (Some(7), Some(1))
    );
    let latest = &failures["latest"][0];
    assert_eq!(latest["document_id"], failed["id"]);
    assert_eq!(latest["filename"], "encrypted-userpw-aes256.pdf");
    assert_eq!(latest["reason"], failed["failure"]["reason"]);
    assert_eq!(latest["stage"], failed["failure"]["stage"]);
    assert!(
        latest["reason"].as_str().unwrap().contains("password"),
        "{latest}"
    );

    // The assistant asked twice.
    assert_eq!(
        owner["workspace"]["top_assistants"],
        json!([{ "assistant_id": helper, "name": "Archivist", "messages": 2 }])
    );

    // Both answers' first tokens over the last day, the median within what
    // the requests took.
    let first_token = &owner["workspace"]["first_token"];
    assert_eq!(
        (
            first_token["hours"].as_i64(),
            first_token["answers"].as_i64()
        ),
        (Some(24), Some(2)),
        "{first_token}"
    );
    let p50 = first_token["p50_ms"]
        .as_i64()
        .expect("a median with answers");
    assert!(
        (0..=longest_ms as i64).contains(&p50),
        "{p50} ms, requests took at most {longest_ms} ms"
    );

    // Usage: as `/usage` says, and the chat messages as the ledger's lines add up.
    let usage = get(&app, "kim", &tenant, "/api/v1/usage").await;
    let metric = |name: &str| metric_used(&usage, name);
    let figures = &owner["usage"];
    assert_eq!(figures["period"], usage["period"]);
    assert_eq!(figures["plan"], usage["plan"]);
    assert_eq!(
        figures["pages_parsed"].as_i64(),
        Some(metric("pages_parsed"))
    );
    assert!(metric("pages_parsed") > 0);
    assert_eq!(
        figures["chunks_embedded"].as_i64(),
        Some(metric("chunks_embedded"))
    );
    assert_eq!(figures["chat_messages"].as_i64(), Some(2));
    assert_eq!(
        figures["llm_tokens"].as_i64(),
        Some(metric("llm_tokens_in") + metric("llm_tokens_out"))
    );
    let ledger = get(&app, "kim", &tenant, "/api/v1/usage/ledger?limit=1000").await;
    let messages: i64 = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["metric"] == "chat_messages")
        .map(|l| l["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(figures["chat_messages"].as_i64(), Some(messages));
    let quotas = figures["quotas"].as_array().unwrap();
    assert_eq!(quotas.len(), usage["quotas"].as_array().unwrap().len());
    for (ours, theirs) in quotas.iter().zip(usage["quotas"].as_array().unwrap()) {
        for field in ["quota", "used", "limit", "unit"] {
            assert_eq!(ours[field], theirs[field], "{field} of {ours}");
        }
        let (used, limit) = (
            ours["used"].as_f64().unwrap(),
            ours["limit"].as_f64().unwrap(),
        );
        let expected = (used * 1000.0 / limit).round() / 10.0;
        assert_eq!(ours["percent"].as_f64(), Some(expected), "{ours}");
    }
    let messages_quota = quotas
        .iter()
        .find(|q| q["quota"] == "messages_per_month")
        .unwrap();
    assert_eq!(messages_quota["used"], 2);

    // Each role sees what it may: a member and an API key the workspace,
    // finance the usage.
    let member = kpi(&app, "mia", &tenant).await;
    assert_eq!(member["role"], "member");
    assert_eq!(member["workspace"], owner["workspace"]);
    assert!(member["usage"].is_null(), "{member}");
    let finance = kpi(&app, "fin", &tenant).await;
    assert_eq!(finance["role"], "billing");
    assert!(finance["workspace"].is_null(), "{finance}");
    assert_eq!(finance["usage"]["chat_messages"], 2);
    let r = app
        .with_bearer(&key, Method::POST, KPI)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let by_key = body(r).await;
    assert_eq!(
        by_key["workspace"]["documents"],
        owner["workspace"]["documents"]
    );
    assert!(by_key["usage"].is_null(), "{by_key}");

    // Another tenant sees its own figures only.
    let other = app.tenant_of("oscar", "Elsewhere").await;
    let theirs = kpi(&app, "oscar", &other).await;
    assert_eq!(theirs["workspace"]["documents"]["total"], 0);
    assert_eq!(theirs["workspace"]["failures"]["total"], 0);
    assert_eq!(theirs["workspace"]["top_assistants"], json!([]));
    assert_eq!(
        theirs["workspace"]["first_token"],
        json!({ "hours": 24, "answers": 0, "p50_ms": null })
    );
    assert_eq!(theirs["usage"]["chat_messages"], 0);
    assert_eq!(theirs["usage"]["pages_parsed"], 0);
    // Naming the first tenant does not lend its figures.
    let r = app
        .as_user("oscar", Method::POST, KPI)
        .header("x-ancre-tenant", &tenant)
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 404), "{}", r.status());

    // Without a credential: a problem.
    let r = app.http.post(app.url(KPI)).send().await.unwrap();
    problem(r, 401).await;
}
