//! One chat turn on the server: answer the question in a task of its own,
//! record the turn in its conversation, and report it as frames — the
//! answerer's tokens and citations, then `done` (or `error`).
//!
//! The task owns the work, not the HTTP request: when a streaming client hangs
//! up, the frame channel closes, the answerer stops the model at once, and the
//! task still records the partial turn. Nothing a user was shown goes
//! unrecorded, and nothing they were not shown is billed.

use ancre_commands::EventMetadata;
use ancre_domain::conversation::{ConversationCommand, Turn, TurnId, TurnOutcome, TurnUsage};
use ancre_domain::{AssistantId, ConversationId};
use ancre_projections::projectors::conversations::NAME as CONVERSATIONS;
use ancre_rag::{Answered, ChatEvent, Question};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::AppState;

/// What a client is sent, in order: tokens, citations, then done or error.
#[derive(Debug, Clone)]
pub enum Frame {
    Chat(ChatEvent),
    Done(TurnSummary),
    Error(TurnSummary),
}

impl From<ChatEvent> for Frame {
    fn from(event: ChatEvent) -> Self {
        Frame::Chat(event)
    }
}

/// A recorded turn, as `done` and `error` frames report it.
#[derive(Debug, Clone)]
pub struct TurnSummary {
    pub conversation_id: ConversationId,
    /// The turn's number in its conversation (absent if recording failed).
    pub number: Option<u32>,
    pub answered: Answered,
}

/// Frames buffered between the answer and a slow client; a client that
/// stops reading holds generation back rather than growing memory.
const FRAME_BUFFER: usize = 64;

pub struct TurnRequest {
    /// Chosen before the turn starts: its message is charged under this id.
    pub turn_id: TurnId,
    pub assistant_id: AssistantId,
    pub conversation_id: ConversationId,
    pub question: Question,
    /// Chat-model tokens reserved with the message (given back when the
    /// turn is recorded: `TurnUsage::tokens_reserved`).
    pub tokens_reserved: u64,
    pub metadata: EventMetadata,
}

/// Starts a turn; frames arrive on the receiver, and the handle gives the
/// summary once the turn is recorded.
pub fn start(
    state: AppState,
    request: TurnRequest,
) -> (mpsc::Receiver<Frame>, JoinHandle<TurnSummary>) {
    let (frames, receiver) = mpsc::channel(FRAME_BUFFER);
    let task = tokio::spawn(async move {
        let TurnRequest {
            turn_id,
            assistant_id,
            conversation_id,
            question,
            tokens_reserved,
            metadata,
        } = request;
        let question_text = question.question.clone();
        let tenant = question.tenant;
        let answered = state.answerer.answer(question, &frames).await;
        let turn = Turn {
            turn_id,
            question: question_text,
            answer: answered.answer.clone(),
            citations: answered.citations.clone(),
            model: answered.model.clone(),
            usage: TurnUsage {
                tokens_reserved,
                ..answered.usage
            },
            outcome: answered.outcome.clone(),
        };
        let command = ConversationCommand::RecordTurn {
            conversation_id,
            tenant_id: tenant,
            assistant_id,
            turn,
        };
        let number = record(&state, command, &metadata).await;
        let summary = TurnSummary {
            conversation_id,
            number,
            answered,
        };
        let frame = match (&summary.answered.outcome, summary.number) {
            (TurnOutcome::Failed { .. }, _) | (_, None) => Frame::Error(summary.clone()),
            _ => Frame::Done(summary.clone()),
        };
        // The client may be gone (an interrupted turn): nobody to tell.
        let _ = frames.send(frame).await;
        summary
    });
    (receiver, task)
}

/// Records the turn and waits until the conversation read model shows it;
/// its number, or `None` (logged) if the store refused or failed.
async fn record(
    state: &AppState,
    command: ConversationCommand,
    metadata: &EventMetadata,
) -> Option<u32> {
    let ConversationCommand::RecordTurn {
        conversation_id,
        tenant_id,
        ref turn,
        ..
    } = command;
    let turn_id = turn.turn_id;
    let at = match state
        .commands
        .conversation(conversation_id, command, metadata)
        .await
    {
        Ok(at) => at,
        Err(e) => {
            tracing::error!(error = %e, conversation = %conversation_id, "turn not recorded");
            return None;
        }
    };
    if let Err(e) = state.caught_up(at, &[CONVERSATIONS]).await {
        tracing::warn!(error = %e, "conversation read model lagging");
    }
    let number = ancre_projections::read::conversations::turn_number(
        &state.pool,
        tenant_id,
        conversation_id,
        turn_id.0,
    )
    .await;
    match number {
        Ok(number) => number.map(|n| n.max(0) as u32),
        Err(e) => {
            tracing::error!(error = %e, "reading the recorded turn back");
            None
        }
    }
}
