//! Given / when / then: one test per rule of the assistant aggregate.

use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::assistant::{AssistantChanges, RetrievalSettings, MAX_COLLECTIONS};
use crate::text::TextError;
use crate::CollectionId;

type Given = TestFramework<Assistant>;

fn aid() -> AssistantId {
    AssistantId(Uuid::from_u128(20))
}
fn tenant_a() -> TenantId {
    TenantId(Uuid::from_u128(1))
}
fn tenant_b() -> TenantId {
    TenantId(Uuid::from_u128(2))
}
fn col(n: u128) -> CollectionId {
    CollectionId(Uuid::from_u128(100 + n))
}
fn settings() -> AssistantSettings {
    AssistantSettings {
        name: "Support".into(),
        instructions: "Answer from the manuals.".into(),
        model: "extractive".into(),
        temperature: 0.2,
        collections: vec![col(1)],
        retrieval: RetrievalSettings::default(),
    }
}
fn created() -> Vec<AssistantEvent> {
    vec![AssistantEvent::AssistantCreated {
        assistant_id: aid(),
        tenant_id: tenant_a(),
        settings: settings(),
    }]
}
fn create(settings: AssistantSettings) -> AssistantCommand {
    AssistantCommand::Create {
        assistant_id: aid(),
        tenant_id: tenant_a(),
        settings,
    }
}

#[test]
fn create_records_trimmed_settings_and_collections_without_repeats() {
    let mut given = settings();
    given.name = "  Support ".into();
    given.instructions = " Answer from the manuals.\n".into();
    given.collections = vec![col(1), col(1)];
    Given::with(())
        .given_no_previous_events()
        .when(create(given))
        .then_expect_events(created());
}

#[test]
fn create_twice_is_refused() {
    Given::with(())
        .given(created())
        .when(create(settings()))
        .then_expect_error(AssistantError::AlreadyExists);
}

#[test]
fn settings_out_of_bounds_are_refused_with_the_field_named() {
    type Spoil = fn(&mut AssistantSettings);
    let cases: Vec<(Spoil, SettingsError)> = vec![
        (
            |s| s.name = " ".into(),
            SettingsError::Text {
                field: "name",
                problem: TextError::Empty,
            },
        ),
        (
            |s| s.model = "".into(),
            SettingsError::Text {
                field: "model",
                problem: TextError::Empty,
            },
        ),
        (
            |s| s.instructions = "x".repeat(8001),
            SettingsError::Text {
                field: "instructions",
                problem: TextError::TooLong,
            },
        ),
        (|s| s.temperature = 2.5, SettingsError::Temperature),
        (|s| s.temperature = f32::NAN, SettingsError::Temperature),
        (|s| s.retrieval.top_k = 0, SettingsError::TopK),
        (|s| s.retrieval.top_k = 51, SettingsError::TopK),
        (
            |s| s.retrieval.dense_weight = -0.1,
            SettingsError::DenseWeight,
        ),
        (
            |s| s.collections = (0..=MAX_COLLECTIONS as u128).map(col).collect(),
            SettingsError::TooManyCollections,
        ),
    ];
    for (spoil, error) in cases {
        let mut bad = settings();
        spoil(&mut bad);
        Given::with(())
            .given_no_previous_events()
            .when(create(bad))
            .then_expect_error(AssistantError::Invalid(error));
    }
}

#[test]
fn update_records_the_whole_new_settings() {
    let mut expected = settings();
    expected.temperature = 0.7;
    expected.collections = vec![col(2), col(3)];
    expected.retrieval.top_k = 10;
    Given::with(())
        .given(created())
        .when(AssistantCommand::Update {
            tenant_id: tenant_a(),
            changes: AssistantChanges {
                temperature: Some(0.7),
                collections: Some(vec![col(2), col(3), col(2)]),
                top_k: Some(10),
                ..Default::default()
            },
        })
        .then_expect_events(vec![AssistantEvent::AssistantUpdated {
            settings: expected,
        }]);
}

#[test]
fn an_update_that_changes_nothing_records_nothing() {
    Given::with(())
        .given(created())
        .when(AssistantCommand::Update {
            tenant_id: tenant_a(),
            changes: AssistantChanges {
                name: Some(" Support ".into()),
                ..Default::default()
            },
        })
        .then_expect_events(vec![]);
}

#[test]
fn an_invalid_update_is_refused() {
    Given::with(())
        .given(created())
        .when(AssistantCommand::Update {
            tenant_id: tenant_a(),
            changes: AssistantChanges {
                dense_weight: Some(1.5),
                ..Default::default()
            },
        })
        .then_expect_error(AssistantError::Invalid(SettingsError::DenseWeight));
}

#[test]
fn another_tenant_cannot_see_update_or_delete_it() {
    for command in [
        AssistantCommand::Update {
            tenant_id: tenant_b(),
            changes: AssistantChanges::default(),
        },
        AssistantCommand::Delete {
            tenant_id: tenant_b(),
        },
    ] {
        Given::with(())
            .given(created())
            .when(command)
            .then_expect_error(AssistantError::NotFound);
    }
}

#[test]
fn a_deleted_assistant_is_gone() {
    let mut history = created();
    history.push(AssistantEvent::AssistantDeleted);
    Given::with(())
        .given(history)
        .when(AssistantCommand::Delete {
            tenant_id: tenant_a(),
        })
        .then_expect_error(AssistantError::NotFound);
}

#[test]
fn delete_is_recorded() {
    Given::with(())
        .given(created())
        .when(AssistantCommand::Delete {
            tenant_id: tenant_a(),
        })
        .then_expect_events(vec![AssistantEvent::AssistantDeleted]);
}

#[test]
fn unknown_assistants_are_not_found() {
    Given::with(())
        .given_no_previous_events()
        .when(AssistantCommand::Delete {
            tenant_id: tenant_a(),
        })
        .then_expect_error(AssistantError::NotFound);
}
