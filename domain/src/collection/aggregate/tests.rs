//! Given / when / then: one test per rule of the collection aggregate.

use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

type Given = TestFramework<Collection>;

fn cid() -> CollectionId {
    CollectionId(Uuid::from_u128(10))
}
fn tenant_a() -> TenantId {
    TenantId(Uuid::from_u128(1))
}
fn tenant_b() -> TenantId {
    TenantId(Uuid::from_u128(2))
}
fn created() -> Vec<CollectionEvent> {
    vec![CollectionEvent::CollectionCreated {
        collection_id: cid(),
        tenant_id: tenant_a(),
        name: "Contracts".into(),
        description: "".into(),
    }]
}

#[test]
fn create_names_the_collection_and_its_tenant() {
    Given::with(())
        .given_no_previous_events()
        .when(CollectionCommand::Create {
            collection_id: cid(),
            tenant_id: tenant_a(),
            name: " Contracts ".into(),
            description: " ".into(),
        })
        .then_expect_events(created());
}

#[test]
fn create_twice_is_refused() {
    Given::with(())
        .given(created())
        .when(CollectionCommand::Create {
            collection_id: cid(),
            tenant_id: tenant_b(),
            name: "Mine now".into(),
            description: "".into(),
        })
        .then_expect_error(CollectionError::AlreadyExists);
}

#[test]
fn names_and_descriptions_are_validated() {
    Given::with(())
        .given_no_previous_events()
        .when(CollectionCommand::Create {
            collection_id: cid(),
            tenant_id: tenant_a(),
            name: "".into(),
            description: "".into(),
        })
        .then_expect_error(CollectionError::Invalid {
            field: "name",
            problem: TextError::Empty,
        });
    Given::with(())
        .given(created())
        .when(CollectionCommand::Update {
            tenant_id: tenant_a(),
            name: None,
            description: Some("d".repeat(MAX_DESCRIPTION_CHARS + 1)),
        })
        .then_expect_error(CollectionError::Invalid {
            field: "description",
            problem: TextError::TooLong,
        });
}

#[test]
fn update_emits_only_what_changed() {
    Given::with(())
        .given(created())
        .when(CollectionCommand::Update {
            tenant_id: tenant_a(),
            name: Some("Contracts".into()),
            description: Some("Signed ones".into()),
        })
        .then_expect_events(vec![CollectionEvent::CollectionDescribed {
            description: "Signed ones".into(),
        }]);
}

#[test]
fn another_tenant_cannot_touch_it() {
    Given::with(())
        .given(created())
        .when(CollectionCommand::Delete {
            tenant_id: tenant_b(),
        })
        .then_expect_error(CollectionError::NotFound);
    Given::with(())
        .given(created())
        .when(CollectionCommand::Update {
            tenant_id: tenant_b(),
            name: Some("x".into()),
            description: None,
        })
        .then_expect_error(CollectionError::NotFound);
}

#[test]
fn a_deleted_collection_is_gone() {
    Given::with(())
        .given(created())
        .when(CollectionCommand::Delete {
            tenant_id: tenant_a(),
        })
        .then_expect_events(vec![CollectionEvent::CollectionDeleted]);
    Given::with(())
        .given(created())
        .and(vec![CollectionEvent::CollectionDeleted])
        .when(CollectionCommand::Delete {
            tenant_id: tenant_a(),
        })
        .then_expect_error(CollectionError::NotFound);
}

#[test]
fn commands_on_an_unknown_collection_are_not_found() {
    Given::with(())
        .given_no_previous_events()
        .when(CollectionCommand::Delete {
            tenant_id: tenant_a(),
        })
        .then_expect_error(CollectionError::NotFound);
}
