//! Given / when / then: one test per rule of the document aggregate.

use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::document::{document_id_for, MediaType};
use crate::CollectionId;

type Given = TestFramework<Document>;

fn collection() -> CollectionId {
    CollectionId(Uuid::from_u128(5))
}
fn tenant_a() -> TenantId {
    TenantId(Uuid::from_u128(1))
}
fn tenant_b() -> TenantId {
    TenantId(Uuid::from_u128(2))
}
fn id() -> DocumentId {
    document_id_for(collection(), "ab12")
}
fn upload(filename: &str) -> DocumentCommand {
    DocumentCommand::Upload {
        document_id: id(),
        tenant_id: tenant_a(),
        collection_id: collection(),
        filename: filename.into(),
        media_type: MediaType::Pdf,
        size_bytes: 1234,
        sha256: "ab12".into(),
        storage_key: "k".into(),
        source: None,
    }
}
fn uploaded() -> DocumentEvent {
    DocumentEvent::DocumentUploaded {
        document_id: id(),
        tenant_id: tenant_a(),
        collection_id: collection(),
        filename: "report.pdf".into(),
        media_type: MediaType::Pdf,
        size_bytes: 1234,
        sha256: "ab12".into(),
        storage_key: "k".into(),
        source: None,
    }
}

#[test]
fn upload_records_the_claim_check_with_a_clean_file_name() {
    Given::with(())
        .given_no_previous_events()
        .when(upload("C:\\Users\\me\\report.pdf"))
        .then_expect_events(vec![uploaded()]);
    Given::with(())
        .given_no_previous_events()
        .when(upload("../../etc/report.pdf"))
        .then_expect_events(vec![uploaded()]);
}

#[test]
fn the_same_bytes_twice_in_a_collection_are_a_duplicate() {
    Given::with(())
        .given(vec![uploaded()])
        .when(upload("copy.pdf"))
        .then_expect_error(DocumentError::Duplicate);
    assert_eq!(document_id_for(collection(), "ab12"), id());
    assert_ne!(
        document_id_for(CollectionId(Uuid::from_u128(6)), "ab12"),
        id()
    );
}

#[test]
fn a_deleted_document_can_be_uploaded_again() {
    Given::with(())
        .given(vec![
            uploaded(),
            DocumentEvent::DocumentDeleted {
                storage_key: "k".into(),
            },
        ])
        .when(upload("report.pdf"))
        .then_expect_events(vec![uploaded()]);
}

#[test]
fn failure_needs_a_reason_and_happens_once() {
    Given::with(())
        .given(vec![uploaded()])
        .when(DocumentCommand::Fail {
            stage: "parse".into(),
            reason: " ".into(),
        })
        .then_expect_error(DocumentError::MissingReason);
    Given::with(())
        .given(vec![uploaded()])
        .when(DocumentCommand::Fail {
            stage: "parse".into(),
            reason: "the PDF is encrypted".into(),
        })
        .then_expect_events(vec![DocumentEvent::DocumentFailed {
            stage: "parse".into(),
            reason: "the PDF is encrypted".into(),
        }]);
    Given::with(())
        .given(vec![
            uploaded(),
            DocumentEvent::DocumentFailed {
                stage: "parse".into(),
                reason: "x".into(),
            },
        ])
        .when(DocumentCommand::Fail {
            stage: "parse".into(),
            reason: "y".into(),
        })
        .then_expect_error(DocumentError::AlreadyFailed);
}

#[test]
fn only_its_tenant_deletes_it_and_only_once() {
    Given::with(())
        .given(vec![uploaded()])
        .when(DocumentCommand::Delete {
            tenant_id: tenant_b(),
        })
        .then_expect_error(DocumentError::NotFound);
    Given::with(())
        .given(vec![uploaded()])
        .when(DocumentCommand::Delete {
            tenant_id: tenant_a(),
        })
        .then_expect_events(vec![DocumentEvent::DocumentDeleted {
            storage_key: "k".into(),
        }]);
    Given::with(())
        .given(vec![
            uploaded(),
            DocumentEvent::DocumentDeleted {
                storage_key: "k".into(),
            },
        ])
        .when(DocumentCommand::Delete {
            tenant_id: tenant_a(),
        })
        .then_expect_error(DocumentError::NotFound);
}

fn parsed() -> DocumentEvent {
    DocumentEvent::DocumentParsed {
        pages: 3,
        chunks: 7,
        tokens: 900,
        chunks_key: "k/chunks".into(),
    }
}
fn record_parsed() -> DocumentCommand {
    DocumentCommand::RecordParsed {
        pages: 3,
        chunks: 7,
        tokens: 900,
        chunks_key: "k/chunks".into(),
    }
}
fn embedded() -> DocumentEvent {
    DocumentEvent::DocumentEmbedded {
        model: "e5".into(),
        dimension: 384,
        chunks: 7,
        tokens: 900,
        vectors_key: "k/vectors".into(),
    }
}
fn record_embedded() -> DocumentCommand {
    DocumentCommand::RecordEmbedded {
        model: "e5".into(),
        dimension: 384,
        chunks: 7,
        tokens: 900,
        vectors_key: "k/vectors".into(),
    }
}

#[test]
fn stages_are_recorded_in_order_with_their_quantities() {
    Given::with(())
        .given(vec![uploaded()])
        .when(record_parsed())
        .then_expect_events(vec![parsed()]);
    Given::with(())
        .given(vec![uploaded(), parsed()])
        .when(record_embedded())
        .then_expect_events(vec![embedded()]);
    Given::with(())
        .given(vec![uploaded(), parsed(), embedded()])
        .when(DocumentCommand::RecordIndexed { points: 7 })
        .then_expect_events(vec![DocumentEvent::DocumentIndexed { points: 7 }]);
}

#[test]
fn a_stage_reported_twice_keeps_the_first_report() {
    // A worker that restarts after reporting reports again: refused, no new event.
    Given::with(())
        .given(vec![uploaded(), parsed()])
        .when(record_parsed())
        .then_expect_error(DocumentError::StageAlreadyDone);
    Given::with(())
        .given(vec![uploaded(), parsed(), embedded()])
        .when(record_parsed())
        .then_expect_error(DocumentError::StageAlreadyDone);
    Given::with(())
        .given(vec![
            uploaded(),
            parsed(),
            embedded(),
            DocumentEvent::DocumentIndexed { points: 7 },
        ])
        .when(DocumentCommand::Fail {
            stage: "index".into(),
            reason: "late".into(),
        })
        .then_expect_error(DocumentError::StageAlreadyDone);
}

#[test]
fn stages_cannot_be_skipped_nor_follow_a_failure_or_deletion() {
    Given::with(())
        .given(vec![uploaded()])
        .when(record_embedded())
        .then_expect_error(DocumentError::WrongStage);
    Given::with(())
        .given(vec![
            uploaded(),
            DocumentEvent::DocumentFailed {
                stage: "parse".into(),
                reason: "x".into(),
            },
        ])
        .when(record_parsed())
        .then_expect_error(DocumentError::WrongStage);
    Given::with(())
        .given(vec![
            uploaded(),
            DocumentEvent::DocumentDeleted {
                storage_key: "k".into(),
            },
        ])
        .when(record_parsed())
        .then_expect_error(DocumentError::NotFound);
    Given::with(())
        .given_no_previous_events()
        .when(record_parsed())
        .then_expect_error(DocumentError::NotFound);
}
