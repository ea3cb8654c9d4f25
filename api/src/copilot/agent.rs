//! One run of the copilot agent: the thread's last user message → the AG-UI
//! events that answer it, and the chat-model tokens the run used.
//!
//! With a language model (`ANCRE_CHAT=openai`), [`model_led`] lets the model
//! choose among the [`tools`] (KPIs, searching the documents, asking an
//! assistant). Offline (the deployment's only chat model is extractive), the
//! [`intent`] router decides: a KPI question gets the `show_kpis` tool call,
//! its result (the tenant's [`Kpis`](crate::kpi::Kpis) as JSON, which the web
//! UI renders as cards), the same figures as the run's state, and a sentence
//! saying plainly that no language model is answering; anything else gets
//! that sentence and what to ask instead.
//!
//! [`model_led`]: super::model_led
//! [`tools`]: super::tools

use ancre_index::analyzer::{Analyzer, Language};
use serde_json::{json, Value};
use uuid::Uuid;

use super::agui::{Event, RunAgentInput, PROTOCOL_VERSION};
use super::intent::{self, Intent};
use super::{model_led, tools};
use crate::app::AppState;
use crate::auth::TenantContext;
use crate::kpi::kpis;

/// The tool whose result the web UI renders as KPI cards.
pub const KPI_TOOL: &str = tools::SHOW_KPIS;

/// A run's events and what it cost in chat-model tokens (recorded once the
/// run is over).
#[derive(Debug, Default)]
pub struct Run {
    pub events: Vec<Event>,
    pub tokens_in: u64,
    pub tokens_out: u64,
}

/// The run's events, `RUN_STARTED` first and `RUN_FINISHED` (or
/// `RUN_ERROR`) last: led by the deployment's language model when it has
/// one, by the offline router otherwise.
pub async fn run(
    state: &AppState,
    ctx: &TenantContext,
    input: &RunAgentInput,
    question: &str,
) -> Run {
    let language = intent::language(&Analyzer::default(), question);
    let mut run = Run {
        events: vec![Event::RunStarted {
            thread_id: input.thread_id.clone(),
            run_id: input.run_id.clone(),
            protocol_version: PROTOCOL_VERSION.into(),
        }],
        ..Default::default()
    };
    let finished = match state.chat.tool_model() {
        Some(model) => model_led::run(state, ctx, input, model, language, &mut run).await,
        None => offline(state, ctx, question, language, &mut run).await,
    };
    if finished {
        run.events.push(Event::RunFinished {
            thread_id: input.thread_id.clone(),
            run_id: input.run_id.clone(),
        });
    }
    run
}

/// The offline router's answer; `false` when the run ended in `RUN_ERROR`.
async fn offline(
    state: &AppState,
    ctx: &TenantContext,
    question: &str,
    language: Language,
    run: &mut Run,
) -> bool {
    let intent = intent::route(question);
    if let Intent::Kpis(focus) = intent {
        let figures = match kpis(state, ctx).await {
            Ok(figures) => figures,
            Err(e) => {
                tracing::error!(error = %e, "copilot: reading the KPIs");
                run.events.push(workspace_unreadable(language));
                return false;
            }
        };
        let figures = serde_json::to_value(&figures).expect("KPIs serialise");
        let arguments = json!({ "focus": focus, "language": language_code(language) });
        let call_id = format!("call_{}", Uuid::new_v4().simple());
        let state = json!({
            "kpis": figures,
            "focus": focus,
            "language": language_code(language),
        });
        push_tool_call(
            &mut run.events,
            &call_id,
            KPI_TOOL,
            &arguments.to_string(),
            &figures,
            Some(state),
        );
    }
    push_text(&mut run.events, intent::reply(intent, language));
    true
}

/// A tool call as AG-UI streams it: start, its arguments, end, its result,
/// and the run's new state when the tool changed it (the KPIs shown).
pub(super) fn push_tool_call(
    events: &mut Vec<Event>,
    call_id: &str,
    name: &str,
    arguments: &str,
    result: &Value,
    state: Option<Value>,
) {
    events.extend([
        Event::ToolCallStart {
            tool_call_id: call_id.to_owned(),
            tool_call_name: name.to_owned(),
            parent_message_id: None,
        },
        Event::ToolCallArgs {
            tool_call_id: call_id.to_owned(),
            delta: if arguments.is_empty() {
                "{}".to_owned()
            } else {
                arguments.to_owned()
            },
        },
        Event::ToolCallEnd {
            tool_call_id: call_id.to_owned(),
        },
        Event::ToolCallResult {
            message_id: Uuid::new_v4().to_string(),
            tool_call_id: call_id.to_owned(),
            content: result.to_string(),
            role: "tool".into(),
        },
    ]);
    if let Some(snapshot) = state {
        events.push(Event::StateSnapshot { snapshot });
    }
}

/// An assistant text message, streamed by sentence as a model streams
/// tokens (AG-UI forbids empty deltas: an empty text sends none).
pub(super) fn push_text(events: &mut Vec<Event>, text: &str) {
    let message_id = Uuid::new_v4().to_string();
    events.push(Event::TextMessageStart {
        message_id: message_id.clone(),
        role: "assistant".into(),
    });
    for piece in text.split_inclusive(". ").filter(|p| !p.is_empty()) {
        events.push(Event::TextMessageContent {
            message_id: message_id.clone(),
            delta: piece.to_owned(),
        });
    }
    events.push(Event::TextMessageEnd { message_id });
}

/// The run's error when the workspace's own figures cannot be read.
pub(super) fn workspace_unreadable(language: Language) -> Event {
    Event::RunError {
        message: match language {
            Language::French => "les chiffres de l'espace n'ont pas pu être lus ; réessayez",
            Language::English => "the workspace's figures could not be read; try again",
        }
        .into(),
        code: Some("kpi_unavailable".into()),
    }
}

pub(super) fn language_code(language: Language) -> &'static str {
    match language {
        Language::French => "fr",
        Language::English => "en",
    }
}
