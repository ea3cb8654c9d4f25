//! The retrieval preview: what an assistant would retrieve for a question,
//! with fused, dense and keyword places, no answer and no charge; another
//! tenant's assistant is a 404.

mod common;

use common::{body, problem, TestApp};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn an_assistant_shows_what_it_would_retrieve_without_answering_or_charging() {
    let app = TestApp::start().await;
    let owner = "owner_p";
    let tenant = app.tenant_of(owner, "Preview").await;
    app.tenant_of("owner_other", "Other").await;
    let collection = common::collection(&app, owner, "Licences").await;
    let files = [
        ("licence.md", "# Licence\n\nThe GNU General Public License guarantees the freedom to share and change all versions of a program.\n"),
        ("cuisine.md", "# Cuisine\n\nLa tarte tatin se prépare avec des pommes caramélisées au beurre et au sucre.\n"),
    ];
    let parts: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(n, t)| (*n, t.as_bytes().to_vec()))
        .collect();
    let r = common::upload(&app, owner, &collection, &parts).await;
    assert_eq!(r.status(), 202);
    for d in body(r).await["documents"].as_array().unwrap() {
        let settled = common::settled(&app, owner, d["id"].as_str().unwrap()).await;
        assert_eq!(settled["status"], "indexed");
    }
    let assistant = common::assistant(&app, owner, &[&collection]).await;
    let path = format!("/api/v1/assistants/{assistant}/search");

    let r = app
        .as_user(owner, Method::POST, &path)
        .json(&json!({ "question": "What does the General Public License guarantee?" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let preview = body(r).await;
    assert_eq!(preview["top_k"], 6);
    assert_eq!(preview["dense_weight"], 0.5);
    assert_eq!(preview["rerank"], false, "the assistant's default");
    let passages = preview["passages"].as_array().unwrap();
    assert_eq!(passages[0]["filename"], "licence.md", "{preview}");
    assert_eq!(passages[0]["rank"], 1);
    assert_eq!(passages[0]["page"], 1);
    assert!(passages[0]["excerpt"]
        .as_str()
        .unwrap()
        .contains("General Public License"));
    assert!(passages[0]["score"].as_f64().unwrap() > 0.0);
    // The licence leads both legs: the words match, and so does the meaning.
    assert_eq!(passages[0]["dense"]["rank"], 1, "{preview}");
    assert_eq!(passages[0]["keyword"]["rank"], 1, "{preview}");

    // Overrides: keyword only, one passage.
    let r = app
        .as_user(owner, Method::POST, &path)
        .json(&json!({ "question": "tarte tatin aux pommes", "top_k": 1, "dense_weight": 0.0 }))
        .send()
        .await
        .unwrap();
    let preview = body(r).await;
    assert_eq!(preview["passages"].as_array().unwrap().len(), 1);
    assert_eq!(preview["passages"][0]["filename"], "cuisine.md");
    assert_eq!(preview["dense_weight"], 0.0);

    // Ranked again by best sentence: the same passage leads, the setting is said.
    let r = app
        .as_user(owner, Method::POST, &path)
        .json(&json!({ "question": "What does the General Public License guarantee?", "rerank": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let preview = body(r).await;
    assert_eq!(preview["rerank"], true);
    assert_eq!(
        preview["passages"][0]["filename"], "licence.md",
        "{preview}"
    );

    // Bad input: a clear 422.
    for bad in [
        json!({ "question": "  " }),
        json!({ "question": "x", "top_k": 0 }),
        json!({ "question": "x", "dense_weight": 1.5 }),
    ] {
        let r = app
            .as_user(owner, Method::POST, &path)
            .json(&bad)
            .send()
            .await
            .unwrap();
        problem(r, 422).await;
    }

    // Nothing answered, nothing charged: no message in the period.
    let usage = body(app.call(owner, Method::GET, "/api/v1/usage").await).await;
    let messages = usage["quotas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["quota"] == "messages_per_month")
        .unwrap()
        .clone();
    assert_eq!(messages["used"], 0, "{usage}");
    let conversations: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'conversation'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(conversations, 0);

    // Another tenant's caller: the assistant does not exist for them.
    let r = app
        .as_user("owner_other", Method::POST, &path)
        .json(&json!({ "question": "What does the General Public License guarantee?" }))
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    let _ = tenant;
}

/// A report with a liquidity paragraph that talks about the quick ratio and
/// the balance sheet that holds its figures.
fn report(company: &str, assets: &str) -> String {
    format!(
        "# {company} 2022 annual report\n\n\
         ## Liquidity\n\n\
         The quick ratio of {company} and its liquidity are reviewed by the board every quarter; \
         management expects the quick ratio to stay a priority.\n\n\
         ## Liquidity risk\n\n\
         Has the quick ratio of {company} improved in 2022? Analysts ask how our quick ratio \
         compares with our peers, and we explain how current assets cover current liabilities.\n\n\
         ## Outlook\n\n\
         In 2022 {company} improved its cash management, and the quick ratio matters to our \
         lenders as to our shareholders.\n\n\
         ## Consolidated Balance Sheets\n\n\
         | (in millions) | 2022 | 2021 |\n\
         |---|---|---|\n\
         | Cash and cash equivalents | 420 | 380 |\n\
         | Total current assets | {assets} | 1,100 |\n\
         | Total current liabilities | 800 | 900 |\n"
    )
}

#[tokio::test]
async fn a_ratio_question_brings_the_statement_of_the_named_company_first() {
    let app = TestApp::start().await;
    let owner = "owner_s";
    app.tenant_of(owner, "Analysts").await;
    app.tenant_of("owner_rival", "Rival").await;
    // The same company's report in another tenant, with other figures.
    for (user, assets) in [("owner_rival", "9,999"), (owner, "1,200")] {
        let collection = common::collection(&app, user, "Filings").await;
        let acme = report("Acme", assets);
        let globex = report("Globex", "7,000");
        let parts = [
            ("acme_2022_report.md", acme.into_bytes()),
            ("globex_2022_report.md", globex.into_bytes()),
        ];
        let r = common::upload(&app, user, &collection, &parts).await;
        assert_eq!(r.status(), 202);
        for d in body(r).await["documents"].as_array().unwrap() {
            let settled = common::settled(&app, user, d["id"].as_str().unwrap()).await;
            assert_eq!(settled["status"], "indexed");
        }
        if user != owner {
            continue;
        }
        let assistant = common::assistant(&app, owner, &[&collection]).await;
        let path = format!("/api/v1/assistants/{assistant}/search");
        let r = app
            .as_user(owner, Method::POST, &path)
            .json(&json!({ "question": "Has Acme's quick ratio improved in 2022?", "top_k": 2 }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let preview = body(r).await;
        let passages = preview["passages"].as_array().unwrap();
        // The paragraph says "quick ratio" twice; the balance sheet holds the
        // figures, and comes first — Acme's, from this tenant's copy.
        let first = &passages[0];
        assert_eq!(first["filename"], "acme_2022_report.md", "{preview}");
        let excerpt = first["excerpt"].as_str().unwrap();
        assert!(
            excerpt.contains("Total current assets") && excerpt.contains("1,200"),
            "{preview}"
        );
        assert!(
            passages.iter().any(|p| p["excerpt"]
                .as_str()
                .unwrap()
                .contains("the quick ratio of Acme")),
            "the narrative keeps its place: {preview}"
        );
        assert!(
            !preview.to_string().contains("9,999"),
            "another tenant's copy: {preview}"
        );
        // A question needing no statement keeps the fused order: the
        // paragraph that answers it first.
        let r = app
            .as_user(owner, Method::POST, &path)
            .json(&json!({ "question": "Who reviews Acme's liquidity?", "top_k": 4 }))
            .send()
            .await
            .unwrap();
        let preview = body(r).await;
        assert!(
            preview["passages"][0]["excerpt"]
                .as_str()
                .unwrap()
                .contains("reviewed by the board"),
            "{preview}"
        );
    }
}
