//! The copilot's tools when a language model chooses them
//! (`ANCRE_CHAT=openai`): what each does, its arguments' schema, and running
//! it for the caller's tenant — never another's: the tenant is the
//! credential's, whatever the model writes.
//!
//! - `show_kpis`: the tenant's key figures ([`crate::kpi`]); the web UI draws
//!   its result as cards. Every role.
//! - `search_documents`: passages of the tenant's documents for a query,
//!   with file and page. Roles that use the workspace.
//! - `ask_assistant`: one of the tenant's assistants answers a question
//!   from its collections, with its citations (not recorded as a
//!   conversation). Roles that use the workspace.

use ancre_domain::assistant::RetrievalSettings;
use ancre_domain::conversation::TurnOutcome;
use ancre_domain::{AssistantId, CollectionId};
use ancre_projections::read;
use ancre_rag::models::tool_calls::ToolSpec;
use ancre_rag::Question;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::intent::Focus;
use crate::app::AppState;
use crate::auth::TenantContext;
use crate::kpi::kpis;

pub const SHOW_KPIS: &str = "show_kpis";
pub const SEARCH_DOCUMENTS: &str = "search_documents";
pub const ASK_ASSISTANT: &str = "ask_assistant";

/// Passages a search returns to the model.
const SEARCH_PASSAGES: u32 = 6;
/// Characters of each passage the model reads.
const PASSAGE_CHARS: usize = 600;
/// Collections one search spans (the tenant's first ones).
const MAX_SEARCHED_COLLECTIONS: i64 = 50;

/// The tools `ctx`'s role may use.
pub fn offered(ctx: &TenantContext) -> Vec<ToolSpec> {
    let mut tools = vec![ToolSpec {
        name: SHOW_KPIS,
        description: "Show the workspace's key figures as cards in the user's screen: documents \
            by status, ingestion failures of the last 7 days with their reasons, the most used \
            assistants, this month's usage and each quota in % of the plan. Use it for any \
            question about the workspace's health, usage, quotas or failed documents.",
        parameters: json!({
            "type": "object",
            "properties": {
                "focus": {
                    "type": "string",
                    "enum": ["overview", "usage", "failures", "assistants"],
                    "description": "The cards to show first."
                }
            },
            "required": ["focus"],
            "additionalProperties": false
        }),
    }];
    if ctx.role.can_use_workspace() {
        tools.push(ToolSpec {
            name: SEARCH_DOCUMENTS,
            description: "Search the workspace's documents; returns the best passages with \
                their file name and page. Cite them by file and page.",
            parameters: json!({
                "type": "object",
                "properties": { "query": { "type": "string", "description": "What to look for." } },
                "required": ["query"],
                "additionalProperties": false
            }),
        });
        tools.push(ToolSpec {
            name: ASK_ASSISTANT,
            description: "Ask one of the workspace's assistants (by id) a question; returns its \
                answer from its own collections, with its sources. The workspace's assistants \
                are listed in the system message.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "assistant_id": { "type": "string", "description": "The assistant's id." },
                    "question": { "type": "string" }
                },
                "required": ["assistant_id", "question"],
                "additionalProperties": false
            }),
        });
    }
    tools
}

/// A tool's result: its JSON for the model (and the AG-UI
/// `TOOL_CALL_RESULT`), the KPIs when it showed them (the run's state), and
/// the chat-model tokens it used.
pub struct Outcome {
    pub content: Value,
    pub kpis: Option<Value>,
    pub tokens_in: u64,
    pub tokens_out: u64,
}

impl Outcome {
    fn of(content: Value) -> Self {
        Outcome {
            content,
            kpis: None,
            tokens_in: 0,
            tokens_out: 0,
        }
    }

    /// A failure the model reads and can explain (bad arguments, unknown
    /// assistant): the run goes on.
    fn error(message: impl Into<String>) -> Self {
        Outcome::of(json!({ "error": message.into() }))
    }
}

#[derive(Deserialize)]
struct KpiArgs {
    #[serde(default = "overview")]
    focus: Focus,
}

fn overview() -> Focus {
    Focus::Overview
}

#[derive(Deserialize)]
struct SearchArgs {
    query: String,
}

#[derive(Deserialize)]
struct AskArgs {
    assistant_id: String,
    question: String,
}

/// Runs the tool `name` with the model's `arguments` (JSON text) for
/// `ctx`'s tenant, if it is among the `offered` ones ([`offered`]). `Err`
/// only when the workspace cannot be read: the run fails; anything the
/// model got wrong is an `Ok` error result.
pub async fn run(
    state: &AppState,
    ctx: &TenantContext,
    offered: &[ToolSpec],
    name: &str,
    arguments: &str,
) -> anyhow::Result<Outcome> {
    if !offered.iter().any(|t| t.name == name) {
        return Ok(Outcome::error(format!("there is no tool {name:?}")));
    }
    let arguments = if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    };
    match name {
        SHOW_KPIS => {
            let Ok(args) = serde_json::from_str::<KpiArgs>(arguments) else {
                return Ok(Outcome::error("arguments: expected {\"focus\": \"overview\"|\"usage\"|\"failures\"|\"assistants\"}"));
            };
            let figures = kpis(state, ctx)
                .await
                .map_err(|e| anyhow::anyhow!("reading the KPIs: {e:?}"))?;
            let figures = serde_json::to_value(&figures)?;
            Ok(Outcome {
                content: figures.clone(),
                kpis: Some(json!({ "kpis": figures, "focus": args.focus })),
                tokens_in: 0,
                tokens_out: 0,
            })
        }
        SEARCH_DOCUMENTS => {
            let Ok(args) = serde_json::from_str::<SearchArgs>(arguments) else {
                return Ok(Outcome::error("arguments: expected {\"query\": \"…\"}"));
            };
            search(state, ctx, &args.query).await
        }
        ASK_ASSISTANT => {
            let Ok(args) = serde_json::from_str::<AskArgs>(arguments) else {
                return Ok(Outcome::error(
                    "arguments: expected {\"assistant_id\": \"…\", \"question\": \"…\"}",
                ));
            };
            ask(state, ctx, &args).await
        }
        _ => Ok(Outcome::error(format!("there is no tool {name:?}"))),
    }
}

async fn search(state: &AppState, ctx: &TenantContext, query: &str) -> anyhow::Result<Outcome> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Outcome::error("query: it is empty"));
    }
    let (collections, _) =
        read::collections::list(&state.pool, ctx.tenant_id(), MAX_SEARCHED_COLLECTIONS, 0).await?;
    let collections: Vec<CollectionId> = collections.into_iter().map(|c| c.collection_id).collect();
    if collections.is_empty() {
        return Ok(Outcome::of(
            json!({ "passages": [], "note": "the workspace has no collections" }),
        ));
    }
    let settings = RetrievalSettings {
        top_k: SEARCH_PASSAGES,
        ..Default::default()
    };
    let sources = state
        .answerer
        .retriever()
        .retrieve(ctx.tenant_id(), &collections, &settings, query)
        .await?;
    let passages: Vec<Value> = sources
        .into_iter()
        .map(|s| {
            let p = s.passage;
            json!({
                "document_id": p.document_id.0,
                "file": p.title,
                "page": p.page,
                "page_label": p.page_label,
                "text": p.text.chars().take(PASSAGE_CHARS).collect::<String>(),
            })
        })
        .collect();
    Ok(Outcome::of(json!({ "passages": passages })))
}

async fn ask(state: &AppState, ctx: &TenantContext, args: &AskArgs) -> anyhow::Result<Outcome> {
    let Ok(id) = Uuid::parse_str(args.assistant_id.trim()) else {
        return Ok(Outcome::error("assistant_id: not an assistant id"));
    };
    let Some(assistant) =
        read::assistants::get(&state.pool, ctx.tenant_id(), AssistantId(id)).await?
    else {
        return Ok(Outcome::error(
            "assistant_id: no such assistant in this workspace",
        ));
    };
    let question = args.question.trim();
    if question.is_empty() {
        return Ok(Outcome::error("question: it is empty"));
    }
    // The answer's pieces are not streamed to anyone: drained as they come.
    let (events, mut drain) = tokio::sync::mpsc::channel::<ancre_rag::ChatEvent>(64);
    let drained = tokio::spawn(async move { while drain.recv().await.is_some() {} });
    let answered = state
        .answerer
        .answer(
            Question {
                tenant: ctx.tenant_id(),
                settings: assistant.settings.clone(),
                question: question.to_owned(),
                history: vec![],
            },
            &events,
        )
        .await;
    drop(events);
    let _ = drained.await;
    let tokens_in = answered.usage.tokens_in;
    let tokens_out = answered.usage.tokens_out;
    let content = match &answered.outcome {
        TurnOutcome::Failed { reason } => json!({ "error": reason }),
        _ => json!({
            "assistant": assistant.settings.name,
            "answer": answered.answer,
            "sources": answered.citations.iter().map(|c| json!({
                "number": c.number,
                "document_id": c.document_id.0,
                "file": c.title,
                "page": c.page,
                "excerpt": c.excerpt,
            })).collect::<Vec<_>>(),
        }),
    };
    Ok(Outcome {
        content,
        kpis: None,
        tokens_in,
        tokens_out,
    })
}

/// The tenant's assistants, one line each, for the system message (so the
/// model can name one to `ask_assistant`).
pub async fn assistants_listing(state: &AppState, ctx: &TenantContext) -> anyhow::Result<String> {
    if !ctx.role.can_use_workspace() {
        return Ok(String::new());
    }
    let (assistants, _) = read::assistants::list(&state.pool, ctx.tenant_id(), 50, 0).await?;
    Ok(assistants
        .iter()
        .map(|a| format!("- {} (id {})", a.settings.name, a.assistant_id.0))
        .collect::<Vec<_>>()
        .join("\n"))
}
