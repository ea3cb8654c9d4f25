//! Given / when / then: one test per rule of the connection aggregate.

use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::connection::SyncCounts;

type Given = TestFramework<Connection>;

fn tenant_a() -> TenantId {
    TenantId(Uuid::from_u128(1))
}
fn tenant_b() -> TenantId {
    TenantId(Uuid::from_u128(2))
}
fn id() -> ConnectionId {
    crate::connection::connection_id_for(tenant_a(), Provider::GoogleDrive)
}
fn collection() -> CollectionId {
    CollectionId(Uuid::from_u128(10))
}
fn doc(n: u128) -> DocumentId {
    DocumentId(Uuid::from_u128(100 + n))
}
fn sync() -> Uuid {
    Uuid::from_u128(7)
}
fn establish(nango: &str) -> ConnectionCommand {
    ConnectionCommand::Establish {
        connection_id: id(),
        tenant_id: tenant_a(),
        provider: Provider::GoogleDrive,
        nango_connection_id: nango.into(),
        integration: "google-drive".into(),
    }
}
fn established() -> ConnectionEvent {
    ConnectionEvent::ConnectionEstablished {
        connection_id: id(),
        tenant_id: tenant_a(),
        provider: Provider::GoogleDrive,
        nango_connection_id: "n1".into(),
        integration: "google-drive".into(),
    }
}
fn bound() -> Vec<ConnectionEvent> {
    vec![
        established(),
        ConnectionEvent::ConnectionBound {
            collection_id: collection(),
        },
    ]
}
fn imported(version: &str, document: DocumentId) -> ConnectionEvent {
    ConnectionEvent::RecordImported {
        sync_id: sync(),
        record_id: "r1".into(),
        version: version.into(),
        document_id: document,
        replaced: None,
    }
}

#[test]
fn establishing_twice_with_the_same_nango_connection_adds_nothing() {
    Given::with(())
        .given_no_previous_events()
        .when(establish("n1"))
        .then_expect_events(vec![established()]);
    Given::with(())
        .given(vec![established()])
        .when(establish("n1"))
        .then_expect_events(vec![]);
}

#[test]
fn another_tenant_cannot_establish_bind_sync_or_disconnect_it() {
    Given::with(())
        .given(bound())
        .when(ConnectionCommand::Establish {
            connection_id: id(),
            tenant_id: tenant_b(),
            provider: Provider::GoogleDrive,
            nango_connection_id: "n9".into(),
            integration: "google-drive".into(),
        })
        .then_expect_error(ConnectionError::NotFound);
    Given::with(())
        .given(bound())
        .when(ConnectionCommand::Bind {
            tenant_id: tenant_b(),
            collection_id: collection(),
        })
        .then_expect_error(ConnectionError::NotFound);
    Given::with(())
        .given(bound())
        .when(ConnectionCommand::RequestSync {
            tenant_id: tenant_b(),
            sync_id: sync(),
            trigger: SyncTrigger::Manual,
        })
        .then_expect_error(ConnectionError::NotFound);
    Given::with(())
        .given(bound())
        .when(ConnectionCommand::Disconnect {
            tenant_id: tenant_b(),
        })
        .then_expect_error(ConnectionError::NotFound);
}

#[test]
fn a_sync_needs_a_collection_and_a_replayed_webhook_is_ignored() {
    Given::with(())
        .given(vec![established()])
        .when(ConnectionCommand::RequestSync {
            tenant_id: tenant_a(),
            sync_id: sync(),
            trigger: SyncTrigger::Manual,
        })
        .then_expect_error(ConnectionError::NotBound);
    let webhook = SyncTrigger::Webhook {
        delivery: "abc".into(),
    };
    let mut given = bound();
    given.push(ConnectionEvent::SyncRequested {
        sync_id: sync(),
        trigger: webhook.clone(),
    });
    Given::with(())
        .given(given)
        .when(ConnectionCommand::RequestSync {
            tenant_id: tenant_a(),
            sync_id: Uuid::from_u128(8),
            trigger: webhook,
        })
        .then_expect_events(vec![]);
}

#[test]
fn a_version_is_imported_once_and_a_new_one_replaces_it() {
    let mut given = bound();
    given.push(imported("v1", doc(1)));
    Given::with(())
        .given(given.clone())
        .when(ConnectionCommand::Import {
            sync_id: sync(),
            record_id: "r1".into(),
            version: "v1".into(),
            document_id: doc(1),
        })
        .then_expect_events(vec![]);
    Given::with(())
        .given(given)
        .when(ConnectionCommand::Import {
            sync_id: sync(),
            record_id: "r1".into(),
            version: "v2".into(),
            document_id: doc(2),
        })
        .then_expect_events(vec![ConnectionEvent::RecordImported {
            sync_id: sync(),
            record_id: "r1".into(),
            version: "v2".into(),
            document_id: doc(2),
            replaced: Some(doc(1)),
        }]);
}

#[test]
fn removing_names_the_document_once() {
    let mut given = bound();
    given.push(imported("v1", doc(1)));
    let remove = ConnectionCommand::Remove {
        sync_id: sync(),
        record_id: "r1".into(),
    };
    Given::with(())
        .given(given.clone())
        .when(remove.clone())
        .then_expect_events(vec![ConnectionEvent::RecordRemoved {
            sync_id: sync(),
            record_id: "r1".into(),
            document_id: doc(1),
        }]);
    given.push(ConnectionEvent::RecordRemoved {
        sync_id: sync(),
        record_id: "r1".into(),
        document_id: doc(1),
    });
    Given::with(())
        .given(given)
        .when(remove)
        .then_expect_events(vec![]);
}

#[test]
fn a_sync_finishes_once() {
    let mut given = bound();
    given.push(ConnectionEvent::SyncCompleted {
        sync_id: sync(),
        cursor: Some("c1".into()),
        counts: SyncCounts::default(),
    });
    Given::with(())
        .given(given.clone())
        .when(ConnectionCommand::Fail {
            sync_id: sync(),
            reason: "late".into(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn a_disconnected_connection_is_gone_for_its_tenant() {
    let mut given = bound();
    given.push(ConnectionEvent::ConnectionDisconnected);
    Given::with(())
        .given(given.clone())
        .when(ConnectionCommand::Bind {
            tenant_id: tenant_a(),
            collection_id: collection(),
        })
        .then_expect_error(ConnectionError::NotFound);
    // Connecting again is allowed.
    Given::with(())
        .given(given)
        .when(establish("n1"))
        .then_expect_events(vec![established()]);
}
