//! A copilot run led by the deployment's language model: the model reads the
//! thread and chooses among the [`tools`](super::tools) its caller's role
//! may use; each call it makes is run for the caller's tenant and streamed
//! as AG-UI tool-call events, its result given back to the model, until the
//! model answers in text (or runs out of steps, when it must answer with
//! what it has).

use std::sync::Arc;

use ancre_index::analyzer::Language;
use ancre_rag::models::openai::OpenAiChat;
use ancre_rag::models::tool_calls::{StepMessage, ToolSpec};
use ancre_rag::models::ChatError;

use super::agent::{call_tool, push_text, workspace_unreadable, Run};
use super::agui::{Event, RunAgentInput};
use super::tools;
use crate::app::AppState;
use crate::auth::TenantContext;

/// Model calls one run may make: enough for a tool or two and the answer.
const MAX_STEPS: usize = 4;
/// The thread's latest messages the model reads.
const THREAD_MESSAGES: usize = 20;

/// Runs the thread through `model`, appending its events to `run`; `false`
/// when it ended in `RUN_ERROR`.
pub async fn run(
    state: &AppState,
    ctx: &TenantContext,
    input: &RunAgentInput,
    (chat, model): (Arc<OpenAiChat>, String),
    language: Language,
    run: &mut Run,
) -> bool {
    let assistants = match tools::assistants_listing(state, ctx).await {
        Ok(listing) => listing,
        Err(e) => {
            tracing::error!(error = %e, "copilot: listing the assistants");
            run.events.push(workspace_unreadable(language));
            return false;
        }
    };
    let mut messages = vec![StepMessage::System(system_prompt(language, &assistants))];
    let thread = input
        .messages
        .iter()
        .filter(|m| matches!(m.role.as_str(), "user" | "assistant"))
        .filter(|m| !m.text().trim().is_empty());
    let skip = thread.clone().count().saturating_sub(THREAD_MESSAGES);
    for m in thread.skip(skip) {
        messages.push(match m.role.as_str() {
            "user" => StepMessage::User(m.text()),
            _ => StepMessage::Assistant {
                text: Some(m.text()),
                calls: vec![],
            },
        });
    }
    let offered = tools::offered(ctx);
    for step in 0..MAX_STEPS {
        // The last step offers no tool: the model answers with what it has.
        let tools: &[ToolSpec] = if step + 1 < MAX_STEPS { &offered } else { &[] };
        let reply = match chat.step(&model, messages.clone(), tools).await {
            Ok(reply) => reply,
            Err(e) => {
                tracing::warn!(error = %e, "copilot: the chat model failed");
                run.events.push(Event::RunError {
                    message: e.public_reason().into(),
                    code: Some(
                        match e {
                            ChatError::Unavailable(_) => "model_unavailable",
                            ChatError::Refused(_) => "model_refused",
                        }
                        .into(),
                    ),
                });
                return false;
            }
        };
        run.tokens_in += reply.tokens_in;
        run.tokens_out += reply.tokens_out;
        if reply.calls.is_empty() {
            let text = if reply.text.trim().is_empty() {
                no_answer(language)
            } else {
                reply.text.as_str()
            };
            push_text(&mut run.events, text);
            return true;
        }
        messages.push(StepMessage::Assistant {
            text: Some(reply.text.clone()).filter(|t| !t.trim().is_empty()),
            calls: reply.calls.clone(),
        });
        for call in &reply.calls {
            let Some(result) = call_tool(state, ctx, &offered, language, call, run).await else {
                return false;
            };
            messages.push(StepMessage::Tool {
                call_id: call.id.clone(),
                content: result.to_string(),
            });
        }
    }
    // Unreachable in practice (the last step offers no tool), but a model
    // may call tools it was not offered: answer plainly rather than loop.
    push_text(&mut run.events, no_answer(language));
    true
}

fn system_prompt(language: Language, assistants: &str) -> String {
    let language = match language {
        Language::French => "French",
        Language::English => "English",
    };
    let assistants = if assistants.is_empty() {
        "(none you may ask)".to_owned()
    } else {
        assistants.to_owned()
    };
    format!(
        "You are the copilot of an Ancre workspace (a service that answers questions from the \
         workspace's documents). Use the tools to answer: show_kpis for the workspace's figures \
         (the user sees them as cards, so do not repeat every number), search_documents and \
         ask_assistant for what the documents say. Never invent figures or sources. Answer \
         briefly, in {language}.\n\nThe workspace's assistants:\n{assistants}"
    )
}

fn no_answer(language: Language) -> &'static str {
    match language {
        Language::French => "Le modèle n'a pas donné de réponse ; reformulez la question.",
        Language::English => "The model gave no answer; try rephrasing the question.",
    }
}
