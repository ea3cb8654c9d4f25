//! Given / when / then: one test per rule of the conversation aggregate.

use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::conversation::{TurnOutcome, TurnUsage};
use crate::ConversationId;

type Given = TestFramework<Conversation>;

fn conversation() -> ConversationId {
    ConversationId(Uuid::from_u128(30))
}
fn tenant_a() -> TenantId {
    TenantId(Uuid::from_u128(1))
}
fn tenant_b() -> TenantId {
    TenantId(Uuid::from_u128(2))
}
fn assistant() -> AssistantId {
    AssistantId(Uuid::from_u128(20))
}
fn turn(n: u128, question: &str) -> Turn {
    Turn {
        turn_id: TurnId(Uuid::from_u128(n)),
        question: question.into(),
        answer: "It is blue [1].".into(),
        citations: vec![],
        model: "extractive".into(),
        usage: TurnUsage {
            tokens_in: 100,
            tokens_out: 6,
            chunks_retrieved: 3,
            tokens_reserved: 0,
            first_token_ms: Some(42),
        },
        outcome: TurnOutcome::Complete,
    }
}
fn record(tenant: TenantId, turn: Turn) -> ConversationCommand {
    ConversationCommand::RecordTurn {
        conversation_id: conversation(),
        tenant_id: tenant,
        assistant_id: assistant(),
        turn,
    }
}
fn started() -> Vec<ConversationEvent> {
    vec![
        ConversationEvent::ConversationStarted {
            conversation_id: conversation(),
            tenant_id: tenant_a(),
            assistant_id: assistant(),
            title: "What colour is the sky?".into(),
        },
        ConversationEvent::TurnRecorded {
            number: 1,
            turn: turn(1, "What colour is the sky?"),
        },
    ]
}

#[test]
fn the_first_turn_starts_the_conversation_titled_by_its_question() {
    Given::with(())
        .given_no_previous_events()
        .when(record(tenant_a(), turn(1, "  What colour is the sky?\n")))
        .then_expect_events(started());
}

#[test]
fn later_turns_are_numbered_in_order() {
    Given::with(())
        .given(started())
        .when(record(tenant_a(), turn(2, "And at night?")))
        .then_expect_events(vec![ConversationEvent::TurnRecorded {
            number: 2,
            turn: turn(2, "And at night?"),
        }]);
}

#[test]
fn recording_the_same_turn_twice_records_it_once() {
    Given::with(())
        .given(started())
        .when(record(tenant_a(), turn(1, "What colour is the sky?")))
        .then_expect_events(vec![]);
}

#[test]
fn partial_and_failed_turns_are_recorded_as_such() {
    let mut interrupted = turn(2, "Tell me more");
    interrupted.answer = "The sky".into();
    interrupted.outcome = TurnOutcome::Interrupted;
    Given::with(())
        .given(started())
        .when(record(tenant_a(), interrupted.clone()))
        .then_expect_events(vec![ConversationEvent::TurnRecorded {
            number: 2,
            turn: interrupted,
        }]);
}

#[test]
fn another_tenant_or_assistant_cannot_add_to_it() {
    Given::with(())
        .given(started())
        .when(record(tenant_b(), turn(2, "Mine?")))
        .then_expect_error(ConversationError::NotFound);
    Given::with(())
        .given(started())
        .when(ConversationCommand::RecordTurn {
            conversation_id: conversation(),
            tenant_id: tenant_a(),
            assistant_id: AssistantId(Uuid::from_u128(21)),
            turn: turn(2, "Other assistant?"),
        })
        .then_expect_error(ConversationError::NotFound);
}

#[test]
fn empty_or_oversized_questions_are_refused() {
    Given::with(())
        .given_no_previous_events()
        .when(record(tenant_a(), turn(1, " \n ")))
        .then_expect_error(ConversationError::EmptyQuestion);
    Given::with(())
        .given_no_previous_events()
        .when(record(tenant_a(), turn(1, &"x".repeat(4001))))
        .then_expect_error(ConversationError::QuestionTooLong);
}

#[test]
fn long_first_questions_make_short_titles() {
    let question = format!("{} end", "word ".repeat(40));
    let title = title_of(&question);
    assert!(title.chars().count() <= MAX_TITLE_CHARS, "{title}");
    assert!(title.ends_with('…') && title.starts_with("word word"));
}
