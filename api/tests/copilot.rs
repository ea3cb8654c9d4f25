//! The copilot's AG-UI agent (`POST /api/v1/copilotkit/agent`). Offline: a
//! KPI question in English or French streams the protocol's events in order
//! — checked against the protocol's own models (`ag-ui-protocol` from PyPI)
//! — with the tenant's figures as the tool's result; other questions are
//! told what it can do; each run is one chat message, refused over the
//! quota; bad input is a problem; tenants and roles see their own figures.
//! With a language model (OpenAI's wire protocol, served by `FakeOpenAi`):
//! the model's tool calls are run for the caller's tenant only, streamed as
//! AG-UI tool calls, their results given back to the model, and the run's
//! tokens recorded.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use ancre_domain::usage::Metric;
use ancre_testkit::openai::{Failure, FakeOpenAi};
use ancre_testkit::openai_chat::{self, Reply};
use common::{
    body, collection, ingest, metric_used, openai_chat, prefill, problem, settled, upload_one,
    SseReader, TestApp,
};
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

/// An extractive assistant named `name` over `collection`; its id.
async fn extractive_assistant(app: &TestApp, user: &str, name: &str, collection: &str) -> String {
    let r = app
        .as_user(user, Method::POST, "/api/v1/assistants")
        .json(&json!({ "name": name, "model": "extractive", "collections": [collection] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    body(r).await["id"].as_str().unwrap().to_owned()
}

/// The names of the tools a chat request offered the model.
fn offered(request: &Value) -> Vec<&str> {
    request["tools"]
        .as_array()
        .expect("tools offered")
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect()
}

/// The tool results of a run, by tool name, parsed.
fn results_by_tool(events: &[Value]) -> Vec<(String, Value)> {
    let names: std::collections::HashMap<&str, &str> = events
        .iter()
        .filter(|e| e["type"] == "TOOL_CALL_START")
        .map(|e| {
            (
                e["toolCallId"].as_str().unwrap(),
                e["toolCallName"].as_str().unwrap(),
            )
        })
        .collect();
    events
        .iter()
        .filter(|e| e["type"] == "TOOL_CALL_RESULT")
        .map(|e| {
            let name = names[e["toolCallId"].as_str().unwrap()].to_owned();
            (
                name,
                serde_json::from_str(e["content"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

const HARBOUR: &str = "The Harbour Lighthouse\n\nThe harbour lighthouse was built in 1874 by \
    the port authority. Its lamp was electrified in 1921.\n";
const MILL: &str = "The Old Mill\n\nThe old mill by the harbour lighthouse was rebuilt in \
    1952 after the flood.\n";

#[tokio::test]
async fn with_a_language_model_its_tool_calls_run_for_the_callers_tenant_only() {
    let fake = FakeOpenAi::start(8).await;
    let chat = openai_chat(&fake, &[], 500);
    let app = TestApp::start_with(|c| c.chat = Some(chat)).await;
    let ana = app.tenant_of("ana", "Harbour").await;
    let notes = collection(&app, "ana", "Notes").await;
    let ana_doc = upload_one(&app, "ana", &notes, "harbour.txt", HARBOUR.into()).await;
    assert_eq!(settled(&app, "ana", &ana_doc).await["status"], "indexed");
    let keeper = extractive_assistant(&app, "ana", "Keeper", &notes).await;
    // Another tenant, with a document on the same subject and an assistant.
    app.tenant_of("bo", "Mill").await;
    let bo_notes = collection(&app, "bo", "Mill notes").await;
    let bo_doc = upload_one(&app, "bo", &bo_notes, "mill.txt", MILL.into()).await;
    assert_eq!(settled(&app, "bo", &bo_doc).await["status"], "indexed");
    let miller = extractive_assistant(&app, "bo", "Miller", &bo_notes).await;

    // The model searches and shows the KPIs, then asks ana's assistant —
    // and bo's, whose id it could have read anywhere — then answers.
    fake.queue_replies(vec![
        Reply::ToolCalls(vec![
            (
                "search_documents".into(),
                json!({ "query": "harbour lighthouse" }),
            ),
            ("show_kpis".into(), json!({ "focus": "usage" })),
        ]),
        Reply::ToolCalls(vec![
            (
                "ask_assistant".into(),
                json!({ "assistant_id": keeper, "question": "When was the lighthouse built?" }),
            ),
            (
                "ask_assistant".into(),
                json!({ "assistant_id": miller, "question": "When was the mill rebuilt?" }),
            ),
        ]),
        Reply::Text(vec!["The lighthouse ".into(), "was built in 1874.".into()]),
    ]);
    let events = run(
        &app,
        "ana",
        &ana,
        "When was the lighthouse built, and how is my usage?",
    )
    .await;
    let kinds = types(&events);
    let call = [
        "TOOL_CALL_START",
        "TOOL_CALL_ARGS",
        "TOOL_CALL_END",
        "TOOL_CALL_RESULT",
    ];
    let mut expected = vec!["RUN_STARTED"];
    expected.extend(call);
    expected.extend(call);
    expected.push("STATE_SNAPSHOT");
    expected.extend(call);
    expected.extend(call);
    expected.extend([
        "TEXT_MESSAGE_START",
        "TEXT_MESSAGE_CONTENT",
        "TEXT_MESSAGE_END",
        "RUN_FINISHED",
    ]);
    assert_eq!(kinds, expected);
    assert_eq!(text(&events), "The lighthouse was built in 1874.");

    let results = results_by_tool(&events);
    let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "search_documents",
            "show_kpis",
            "ask_assistant",
            "ask_assistant"
        ]
    );
    // The search found ana's document, never bo's.
    let passages = results[0].1["passages"].as_array().unwrap();
    assert!(!passages.is_empty(), "{}", results[0].1);
    assert!(
        passages
            .iter()
            .all(|p| p["document_id"] == ana_doc.as_str()),
        "{}",
        results[0].1
    );
    assert!(passages[0]["text"].as_str().unwrap().contains("1874"));
    // The KPIs are ana's, shown as the run's state with the model's focus.
    assert_eq!(results[1].1["role"], "owner");
    let snapshot = &events[9]["snapshot"];
    assert_eq!(snapshot["focus"], "usage");
    assert_eq!(snapshot["kpis"]["workspace"], results[1].1["workspace"]);
    // Her assistant answered from her document; bo's is not hers to ask.
    let answer = &results[2].1;
    assert_eq!(answer["assistant"], "Keeper");
    assert!(
        answer["answer"].as_str().unwrap().contains("1874"),
        "{answer}"
    );
    assert_eq!(answer["sources"][0]["document_id"], ana_doc.as_str());
    assert_eq!(
        results[3].1,
        json!({ "error": "assistant_id: no such assistant in this workspace" })
    );

    // What the model was sent: the tools her role may use, her assistants,
    // then each call and its result, in the protocol's shapes.
    let requests = fake.chat_requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        offered(&requests[0]),
        ["show_kpis", "search_documents", "ask_assistant"]
    );
    let system = requests[0]["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains(&keeper) && !system.contains(&miller),
        "{system}"
    );
    let second = requests[1]["messages"].as_array().unwrap();
    let n = second.len();
    assert_eq!(second[n - 3]["role"], "assistant");
    assert_eq!(second[n - 3]["tool_calls"].as_array().unwrap().len(), 2);
    assert_eq!(second[n - 2]["role"], "tool");
    assert_eq!(
        second[n - 2]["tool_call_id"],
        second[n - 3]["tool_calls"][0]["id"]
    );
    let sent: Value = serde_json::from_str(second[n - 2]["content"].as_str().unwrap()).unwrap();
    assert_eq!(sent, results[0].1);

    // One message, and every token the model reported (plus what the
    // assistant's own answer counted), in ana's usage.
    let tokens_in: i64 = requests
        .iter()
        .map(|r| openai_chat::prompt_tokens(r) as i64)
        .sum();
    // Two calls, two calls, then two pieces of text.
    let tokens_out =
        (2 * openai_chat::TOKENS_PER_CALL + 2 * openai_chat::TOKENS_PER_CALL + 2) as i64;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r = app
            .as_user("ana", Method::GET, "/api/v1/usage")
            .header("x-ancre-tenant", &ana)
            .send()
            .await
            .unwrap();
        let usage = body(r).await;
        let used = |m: &str| metric_used(&usage, m);
        if used("chat_messages") == 1
            && used("llm_tokens_in") >= tokens_in
            && used("llm_tokens_out") >= tokens_out
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run's usage is not recorded: {usage}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // A billing member may read the KPIs, not the documents: only that tool.
    app.join("ana", &ana, "eve", "billing").await;
    fake.queue_replies(vec![Reply::Text(vec!["Here are your figures.".into()])]);
    let events = run(&app, "eve", &ana, "usage this month").await;
    assert_eq!(text(&events), "Here are your figures.");
    let requests = fake.chat_requests();
    assert_eq!(offered(&requests[3]), ["show_kpis"]);

    // The model failing is the run's error, in the protocol's shape.
    fake.fail_next([Failure::context_length()]);
    let events = run(&app, "ana", &ana, "show my KPIs").await;
    assert_eq!(types(&events), ["RUN_STARTED", "RUN_ERROR"]);
    assert_eq!(events[1]["code"], "model_refused");
    assert!(!events[1]["message"]
        .as_str()
        .unwrap()
        .contains(&fake.base_url()));
}
