//! One run of the copilot agent: the thread's last user message → the AG-UI
//! events that answer it.
//!
//! Offline (the deployment's only chat model is extractive), the [`intent`]
//! router decides: a KPI question gets the `show_kpis` tool call, its result
//! (the tenant's [`Kpis`](crate::kpi::Kpis) as JSON, which the web UI renders
//! as cards), the same figures as the run's state, and a sentence saying
//! plainly that no language model is answering; anything else gets that
//! sentence and what to ask instead.

use ancre_index::analyzer::{Analyzer, Language};
use serde_json::json;
use uuid::Uuid;

use super::agui::{Event, RunAgentInput, PROTOCOL_VERSION};
use super::intent::{self, Intent};
use crate::app::AppState;
use crate::auth::TenantContext;
use crate::kpi::kpis;

/// The tool whose result the web UI renders as KPI cards.
pub const KPI_TOOL: &str = "show_kpis";

/// The run's events, `RUN_STARTED` first and `RUN_FINISHED` (or
/// `RUN_ERROR`) last.
pub async fn run(
    state: &AppState,
    ctx: &TenantContext,
    input: &RunAgentInput,
    question: &str,
) -> Vec<Event> {
    let mut events = vec![Event::RunStarted {
        thread_id: input.thread_id.clone(),
        run_id: input.run_id.clone(),
        protocol_version: PROTOCOL_VERSION.into(),
    }];
    let analyzer = Analyzer::default();
    let language = intent::language(&analyzer, question);
    let intent = intent::route(question);
    if let Intent::Kpis(focus) = intent {
        let figures = match kpis(state, ctx).await {
            Ok(figures) => figures,
            Err(e) => {
                tracing::error!(error = %e, "copilot: reading the KPIs");
                events.push(Event::RunError {
                    message: match language {
                        Language::French => {
                            "les chiffres de l'espace n'ont pas pu être lus ; réessayez"
                        }
                        Language::English => "the workspace's figures could not be read; try again",
                    }
                    .into(),
                    code: Some("kpi_unavailable".into()),
                });
                return events;
            }
        };
        let figures = serde_json::to_value(&figures).expect("KPIs serialise");
        let tool_call_id = format!("call_{}", Uuid::new_v4().simple());
        let arguments = json!({ "focus": focus, "language": language_code(language) });
        events.extend([
            Event::ToolCallStart {
                tool_call_id: tool_call_id.clone(),
                tool_call_name: KPI_TOOL.into(),
                parent_message_id: None,
            },
            Event::ToolCallArgs {
                tool_call_id: tool_call_id.clone(),
                delta: arguments.to_string(),
            },
            Event::ToolCallEnd {
                tool_call_id: tool_call_id.clone(),
            },
            Event::ToolCallResult {
                message_id: Uuid::new_v4().to_string(),
                tool_call_id,
                content: figures.to_string(),
                role: "tool".into(),
            },
            Event::StateSnapshot {
                snapshot: json!({
                    "kpis": figures,
                    "focus": focus,
                    "language": language_code(language),
                }),
            },
        ]);
    }
    let message_id = Uuid::new_v4().to_string();
    events.push(Event::TextMessageStart {
        message_id: message_id.clone(),
        role: "assistant".into(),
    });
    // Streamed by sentence, as a model would stream tokens.
    for piece in intent::reply(intent, language).split_inclusive(". ") {
        events.push(Event::TextMessageContent {
            message_id: message_id.clone(),
            delta: piece.to_owned(),
        });
    }
    events.push(Event::TextMessageEnd { message_id });
    events.push(Event::RunFinished {
        thread_id: input.thread_id.clone(),
        run_id: input.run_id.clone(),
    });
    events
}

fn language_code(language: Language) -> &'static str {
    match language {
        Language::French => "fr",
        Language::English => "en",
    }
}
