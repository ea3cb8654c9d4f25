//! `/api/v1/copilotkit/…`: what the web UI's copilot calls.
//!
//! - `POST /copilotkit/actions/kpi`: the tenant's key figures as typed data
//!   (see [`crate::kpi`]), rendered by the UI as cards. Any role of the
//!   tenant may call it; the sections present follow the role.
//! - `POST /copilotkit/agent`: the copilot's AG-UI agent (see
//!   [`crate::copilot`]): a run's input as JSON, its events as SSE. A run
//!   is a chat message: charged before it starts, refused over the quota.

use ancre_domain::conversation::MAX_QUESTION_CHARS;
use ancre_domain::usage::{Metric, Quota, Subject, UsageLine};
use ancre_usage::keys;
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use uuid::Uuid;

use super::{metadata, RequestId};
use crate::app::AppState;
use crate::auth::TenantContext;
use crate::copilot::agent;
use crate::copilot::agui::{last_user_text, RunAgentInput};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiJson;
use crate::kpi::{kpis, Kpis};
use crate::quota::{self, Charge};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/copilotkit/actions/kpi", post(kpi))
        .route("/copilotkit/agent", post(run_agent))
}

/// Run the copilot (AG-UI): the body is AG-UI's `RunAgentInput`
/// (`threadId`, `runId`, `messages`, …); the thread's last user message is
/// answered. Events, one JSON object per SSE `data:` line: `RUN_STARTED`,
/// for a KPI question `TOOL_CALL_START` / `TOOL_CALL_ARGS` / `TOOL_CALL_END`
/// of `show_kpis` and its `TOOL_CALL_RESULT` (the `Kpis` as JSON) and a
/// `STATE_SNAPSHOT`, then `TEXT_MESSAGE_START` / `_CONTENT` / `_END`, and
/// `RUN_FINISHED` (or `RUN_ERROR`). Charged as one chat message.
#[utoipa::path(post, path = "/api/v1/copilotkit/agent", tag = "copilot",
    request_body(content = Object, description = "AG-UI `RunAgentInput`"),
    responses((status = 200, content_type = "text/event-stream",
        description = "AG-UI events, one JSON object per `data:` line."),
        (status = 401, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn run_agent(
    State(state): State<AppState>,
    ctx: TenantContext,
    request: RequestId,
    ApiJson(input): ApiJson<RunAgentInput>,
) -> ApiResult<Response> {
    let question = last_user_text(&input).ok_or_else(|| {
        ApiError::Validation("messages: the run has no user message to answer".into())
    })?;
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(ApiError::Validation(format!(
            "messages: the question is too long (at most {MAX_QUESTION_CHARS} characters)"
        )));
    }
    // A run led by a model also needs tokens left this month.
    let quotas: &[Quota] = if state.chat.tool_model().is_some() {
        &[Quota::MessagesPerMonth, Quota::TokensPerMonth]
    } else {
        &[Quota::MessagesPerMonth]
    };
    let run_id = Uuid::new_v4();
    let message = Charge {
        key: keys::copilot_message(run_id),
        subject: Subject::default(),
        lines: vec![UsageLine {
            metric: Metric::ChatMessages,
            quantity: 1,
        }],
        quotas,
    };
    let metadata = metadata(&ctx, request);
    quota::charge(&state, &ctx, &metadata, message).await?;
    let run = agent::run(&state, &ctx, &input, &question).await;
    record_tokens(&state, &ctx, &metadata, run_id, &run).await;
    let stream = futures::stream::iter(run.events.into_iter().map(|e| {
        Ok::<_, std::convert::Infallible>(
            SseEvent::default().data(serde_json::to_string(&e).expect("events serialise")),
        )
    }));
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// Records the chat-model tokens a run used, once it is over: the work is
/// done, so no quota refuses it (the run started only with tokens left). A
/// failure is logged, not shown: the user's answer is already made.
async fn record_tokens(
    state: &AppState,
    ctx: &TenantContext,
    metadata: &ancre_commands::EventMetadata,
    run_id: Uuid,
    run: &agent::Run,
) {
    if run.tokens_in == 0 && run.tokens_out == 0 {
        return;
    }
    let quantity = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let tokens = Charge {
        key: keys::copilot_tokens(run_id),
        subject: Subject::default(),
        lines: vec![
            UsageLine {
                metric: Metric::LlmTokensIn,
                quantity: quantity(run.tokens_in),
            },
            UsageLine {
                metric: Metric::LlmTokensOut,
                quantity: quantity(run.tokens_out),
            },
        ],
        quotas: &[],
    };
    if let Err(e) = quota::charge(state, ctx, metadata, tokens).await {
        tracing::error!(error = ?e, %run_id, "copilot: recording the run's tokens");
    }
}

/// The tenant's key figures: documents by status, failures of the last 7
/// days with their reasons and the most used assistants (roles that use the
/// workspace); this period's usage and each quota in % of the plan (roles
/// that read usage). Reads only; nothing is charged.
#[utoipa::path(post, path = "/api/v1/copilotkit/actions/kpi", tag = "copilot",
    responses((status = 200, body = Kpis), (status = 401, body = Problem)))]
pub async fn kpi(State(state): State<AppState>, ctx: TenantContext) -> ApiResult<Json<Kpis>> {
    Ok(Json(kpis(&state, &ctx).await?))
}
