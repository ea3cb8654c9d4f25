//! The copilot's AG-UI agent (`POST /api/v1/copilotkit/agent`) offline: a
//! KPI question in English or French streams the protocol's events in order
//! — checked against the protocol's own models (`ag-ui-protocol` from PyPI)
//! — with the tenant's figures as the tool's result; other questions are
//! told what it can do; each run is one chat message, refused over the
//! quota; bad input is a problem; tenants and roles see their own figures.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use ancre_domain::usage::Metric;
use common::{body, ingest, metric_used, prefill, problem, settled, SseReader, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const AGENT: &str = "/api/v1/copilotkit/agent";

/// A run's input as AG-UI clients send it.
fn run_input(question: &str) -> Value {
    json!({
        "threadId": "thread-1",
        "runId": format!("run-{}", question.len()),
        "state": {},
        "messages": [
            { "id": "m0", "role": "user", "content": "hello" },
            { "id": "m1", "role": "assistant", "content": "Hi!" },
            { "id": "m2", "role": "user", "content": question }
        ],
        "tools": [],
        "context": [],
        "forwardedProps": {}
    })
}

/// The run's events (each SSE `data:` line's JSON).
async fn run(app: &TestApp, user: &str, tenant: &str, question: &str) -> Vec<Value> {
    let r = app
        .as_user(user, Method::POST, AGENT)
        .header("x-ancre-tenant", tenant)
        .json(&run_input(question))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let events: Vec<Value> = SseReader::new(r)
        .all()
        .await
        .into_iter()
        .map(|e| {
            assert_eq!(e.name, "message", "AG-UI events are unnamed");
            e.data
        })
        .collect();
    check_with_the_protocols_models(&events);
    events
}

/// Every event validated by `ag-ui-protocol`'s models, and dumped back by
/// them to exactly what we sent (tests/agui/check_events.py).
fn check_with_the_protocols_models(events: &[Value]) {
    let python = std::env::var("ANCRE_TEST_PYTHON").expect(
        "ANCRE_TEST_PYTHON must name the python of the test clients' venv \
         (`make test` sets it with scripts/pyclients.sh)",
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/agui/check_events.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test clients' python starts");
    {
        let mut stdin = child.stdin.take().unwrap();
        for e in events {
            writeln!(stdin, "{e}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "ag-ui-protocol refuses our events: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// The text message's content, put back together.
fn text(events: &[Value]) -> String {
    events
        .iter()
        .filter(|e| e["type"] == "TEXT_MESSAGE_CONTENT")
        .map(|e| e["delta"].as_str().unwrap())
        .collect()
}

/// The `show_kpis` result, parsed.
fn tool_result(events: &[Value]) -> Value {
    let result = events
        .iter()
        .find(|e| e["type"] == "TOOL_CALL_RESULT")
        .expect("a tool result");
    serde_json::from_str(result["content"].as_str().unwrap()).unwrap()
}

async fn kpi_action(app: &TestApp, user: &str, tenant: &str) -> Value {
    let r = app
        .as_user(user, Method::POST, "/api/v1/copilotkit/actions/kpi")
        .header("x-ancre-tenant", tenant)
        .send()
        .await
        .unwrap();
    body(r).await
}

async fn messages_used(app: &TestApp, user: &str, tenant: &str) -> i64 {
    let r = app
        .as_user(user, Method::GET, "/api/v1/usage")
        .header("x-ancre-tenant", tenant)
        .send()
        .await
        .unwrap();
    metric_used(&body(r).await, "chat_messages")
}

#[tokio::test]
async fn a_kpi_question_streams_the_tool_call_its_figures_and_a_plain_answer() {
    let app = TestApp::start().await;
    let tenant = app.tenant_of("ana", "Copilot").await;
    let ids = ingest(&app, "ana", &["md/gzt-README.fr.md"]).await;
    for id in ids.values() {
        settled(&app, "ana", id).await;
    }

    let events = run(
        &app,
        "ana",
        &tenant,
        "How is my workspace doing? Show my KPIs",
    )
    .await;
    let kinds = types(&events);
    let content = kinds
        .iter()
        .filter(|t| **t == "TEXT_MESSAGE_CONTENT")
        .count();
    assert!(content >= 1);
    let mut expected = vec![
        "RUN_STARTED",
        "TOOL_CALL_START",
        "TOOL_CALL_ARGS",
        "TOOL_CALL_END",
        "TOOL_CALL_RESULT",
        "STATE_SNAPSHOT",
        "TEXT_MESSAGE_START",
    ];
    expected.extend(std::iter::repeat_n("TEXT_MESSAGE_CONTENT", content));
    expected.extend(["TEXT_MESSAGE_END", "RUN_FINISHED"]);
    assert_eq!(kinds, expected);
    assert_eq!(
        (events[0]["threadId"].as_str(), events[0]["runId"].as_str()),
        (
            Some("thread-1"),
            Some(
                run_input("How is my workspace doing? Show my KPIs")["runId"]
                    .as_str()
                    .unwrap()
            )
        )
    );
    assert_eq!(events.last().unwrap()["runId"], events[0]["runId"]);
    // One tool call, named and identified throughout.
    assert_eq!(events[1]["toolCallName"], "show_kpis");
    let call = events[1]["toolCallId"].clone();
    for e in &events[2..5] {
        assert_eq!(e["toolCallId"], call, "{e}");
    }
    let args: Value = serde_json::from_str(events[2]["delta"].as_str().unwrap()).unwrap();
    assert_eq!(args, json!({ "focus": "overview", "language": "en" }));
    // The result is the KPI action's answer (minus its clock), and the state says the same.
    let mut figures = tool_result(&events);
    // The usage counters are a projection: wait until they count the run.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut action = loop {
        let action = kpi_action(&app, "ana", &tenant).await;
        if action["usage"]["chat_messages"] == 1 {
            break action;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run is never counted: {action}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(figures["workspace"]["documents"]["by_status"]["indexed"], 1);
    figures["generated_at"] = Value::Null;
    action["generated_at"] = Value::Null;
    // The run itself was a message (counted once the projection has it).
    figures["usage"]["chat_messages"] = json!(1);
    let quota = |v: &mut Value| {
        for q in v["usage"]["quotas"].as_array_mut().unwrap() {
            if q["quota"] == "messages_per_month" {
                q["used"] = Value::Null;
                q["percent"] = Value::Null;
            }
        }
    };
    quota(&mut figures);
    quota(&mut action);
    assert_eq!(figures, action);
    assert_eq!(events[5]["snapshot"]["focus"], "overview");
    assert_eq!(
        events[5]["snapshot"]["kpis"]["workspace"],
        action["workspace"]
    );
    // Said plainly: no language model answered.
    assert!(
        text(&events).contains("No language model is answering"),
        "{}",
        text(&events)
    );

    // In French: French arguments and a French sentence.
    let events = run(
        &app,
        "ana",
        &tenant,
        "Quels documents ont échoué ce mois-ci ?",
    )
    .await;
    let args: Value = serde_json::from_str(events[2]["delta"].as_str().unwrap()).unwrap();
    assert_eq!(args, json!({ "focus": "failures", "language": "fr" }));
    assert!(
        text(&events).contains("Aucun modèle de langue"),
        "{}",
        text(&events)
    );

    // Not a KPI question: no tool call, and what to ask instead.
    let events = run(&app, "ana", &tenant, "Write me a poem about the sea").await;
    assert_eq!(
        types(&events),
        [
            "RUN_STARTED",
            "TEXT_MESSAGE_START",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_END",
            "RUN_FINISHED"
        ]
    );
    assert!(text(&events).contains("show my KPIs"), "{}", text(&events));

    // Three runs, three messages — the ledger's actor is the user.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while messages_used(&app, "ana", &tenant).await != 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "3 runs are 3 messages"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn runs_are_metered_refused_over_quota_and_bad_input_is_a_problem() {
    let app = TestApp::start().await;
    let tenant = app.tenant_of("bo", "Metered").await;
    let r = app
        .as_user("bo", Method::POST, AGENT)
        .header("x-ancre-tenant", &tenant)
        .json(&json!({ "threadId": "t", "runId": "r", "messages": [] }))
        .send()
        .await
        .unwrap();
    let p = problem(r, 422).await;
    assert!(
        p["detail"].as_str().unwrap().contains("no user message"),
        "{p}"
    );
    let r = app
        .as_user("bo", Method::POST, AGENT)
        .header("x-ancre-tenant", &tenant)
        .body("not json")
        .send()
        .await
        .unwrap();
    problem(r, 415).await;
    let r = app
        .http
        .post(app.url(AGENT))
        .json(&run_input("kpi"))
        .send()
        .await
        .unwrap();
    problem(r, 401).await;
    assert_eq!(
        messages_used(&app, "bo", &tenant).await,
        0,
        "refusals are free"
    );

    // The Free plan's messages used up: the run is refused before it starts.
    let limit = ancre_domain::Plan::Free.limit(ancre_domain::usage::Quota::MessagesPerMonth);
    prefill(&app, &tenant, Metric::ChatMessages, limit as i64).await;
    let r = app
        .as_user("bo", Method::POST, AGENT)
        .header("x-ancre-tenant", &tenant)
        .json(&run_input("show my KPIs"))
        .send()
        .await
        .unwrap();
    let p = problem(r, 429).await;
    assert!(r_has_quota(&p), "{p}");
}

fn r_has_quota(p: &Value) -> bool {
    p["detail"].as_str().unwrap_or("").contains("messages")
}

#[tokio::test]
async fn each_tenant_and_role_gets_its_own_figures() {
    let app = TestApp::start().await;
    let a = app.tenant_of("cy", "A").await;
    app.join("cy", &a, "dee", "member").await;
    app.join("cy", &a, "eve", "billing").await;
    let ids = ingest(&app, "cy", &["txt/GPL-3.txt"]).await;
    for id in ids.values() {
        settled(&app, "cy", id).await;
    }
    let b = app.tenant_of("fay", "B").await;

    let theirs = tool_result(&run(&app, "fay", &b, "show my KPIs").await);
    assert_eq!(theirs["workspace"]["documents"]["total"], 0, "{theirs}");
    let ours = tool_result(&run(&app, "cy", &a, "show my KPIs").await);
    assert_eq!(ours["workspace"]["documents"]["total"], 1, "{ours}");
    // B naming A's tenant is refused.
    let r = app
        .as_user("fay", Method::POST, AGENT)
        .header("x-ancre-tenant", &a)
        .json(&run_input("show my KPIs"))
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 403 | 404), "{}", r.status());

    // A member's copilot shows the workspace, not the usage; finance the reverse.
    let member = tool_result(&run(&app, "dee", &a, "show my KPIs").await);
    assert_eq!(member["role"], "member");
    assert!(
        member["usage"].is_null() && !member["workspace"].is_null(),
        "{member}"
    );
    let finance = tool_result(&run(&app, "eve", &a, "usage this month").await);
    assert_eq!(finance["role"], "billing");
    assert!(
        finance["workspace"].is_null() && !finance["usage"].is_null(),
        "{finance}"
    );
}
