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
use ancre_rag::models::tool_calls::{ToolCall, ToolSpec};
use serde_json::{json, Value};
use uuid::Uuid;

use super::agui::{Event, RunAgentInput, PROTOCOL_VERSION};
use super::intent::{self, Intent};
use super::{model_led, tools};
use crate::app::AppState;
use crate::auth::TenantContext;

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
        let call = ToolCall {
            id: format!("call_{}", Uuid::new_v4().simple()),
            name: tools::SHOW_KPIS.into(),
            arguments: json!({ "focus": focus, "language": language_code(language) }).to_string(),
        };
        if call_tool(state, ctx, &tools::offered(ctx), language, &call, run)
            .await
            .is_none()
        {
            return false;
        }
    }
    push_text(&mut run.events, intent::reply(intent, language));
    true
}

/// Runs `call` for the caller (among the `offered` tools) and streams it as
/// AG-UI does: start, its arguments, end, its result, and the run's new
/// state when the tool showed the KPIs. The result, for the model; `None`
/// once the run ended in `RUN_ERROR` (the workspace could not be read).
pub(super) async fn call_tool(
    state: &AppState,
    ctx: &TenantContext,
    offered: &[ToolSpec],
    language: Language,
    call: &ToolCall,
    run: &mut Run,
) -> Option<Value> {
    let outcome = match tools::run(state, ctx, offered, &call.name, &call.arguments).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::error!(error = %e, tool = %call.name, "copilot: a tool failed");
            run.events.push(workspace_unreadable(language));
            return None;
        }
    };
    run.tokens_in += outcome.tokens_in;
    run.tokens_out += outcome.tokens_out;
    let arguments = if call.arguments.is_empty() {
        "{}".to_owned()
    } else {
        call.arguments.clone()
    };
    run.events.extend([
        Event::ToolCallStart {
            tool_call_id: call.id.clone(),
            tool_call_name: call.name.clone(),
            parent_message_id: None,
        },
        Event::ToolCallArgs {
            tool_call_id: call.id.clone(),
            delta: arguments,
        },
        Event::ToolCallEnd {
            tool_call_id: call.id.clone(),
        },
        Event::ToolCallResult {
            message_id: Uuid::new_v4().to_string(),
            tool_call_id: call.id.clone(),
            content: outcome.content.to_string(),
            role: "tool".into(),
        },
    ]);
    if let Some(mut snapshot) = outcome.kpis {
        snapshot["language"] = language_code(language).into();
        run.events.push(Event::StateSnapshot { snapshot });
    }
    Some(outcome.content)
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
