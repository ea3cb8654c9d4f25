//! Given / when / then: one test per rule of the tenant aggregate.

use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::text::TextError;

type Given = TestFramework<Tenant>;

fn tid() -> TenantId {
    TenantId(Uuid::from_u128(1))
}
fn user(name: &str) -> UserId {
    UserId::parse(name).unwrap()
}
fn key(n: u128) -> ApiKeyId {
    ApiKeyId(Uuid::from_u128(n))
}

fn created() -> Vec<TenantEvent> {
    vec![
        TenantEvent::TenantCreated {
            tenant_id: tid(),
            name: "Acme".into(),
            plan: Plan::Free,
        },
        TenantEvent::MemberAdded {
            user_id: user("alice"),
            role: Role::Owner,
        },
    ]
}

fn suspended() -> Vec<TenantEvent> {
    let mut events = created();
    events.push(TenantEvent::TenantSuspended {
        reason: "unpaid".into(),
    });
    events
}

fn with_key() -> Vec<TenantEvent> {
    let mut events = created();
    events.push(TenantEvent::ApiKeyCreated {
        key_id: key(7),
        name: "ci".into(),
        prefix: "ak_abcd".into(),
        secret_hash: "00".into(),
        created_by: user("alice"),
    });
    events
}

#[test]
fn create_opens_the_tenant_on_free_with_its_owner() {
    Given::with(())
        .given_no_previous_events()
        .when(TenantCommand::Create {
            tenant_id: tid(),
            name: "  Acme ".into(),
            owner: user("alice"),
        })
        .then_expect_events(created());
}

#[test]
fn create_twice_is_refused() {
    Given::with(())
        .given(created())
        .when(TenantCommand::Create {
            tenant_id: tid(),
            name: "Acme".into(),
            owner: user("bob"),
        })
        .then_expect_error(TenantError::AlreadyExists);
}

#[test]
fn create_needs_a_name() {
    Given::with(())
        .given_no_previous_events()
        .when(TenantCommand::Create {
            tenant_id: tid(),
            name: "   ".into(),
            owner: user("alice"),
        })
        .then_expect_error(TenantError::InvalidName(TextError::Empty));
}

#[test]
fn names_are_bounded_and_printable() {
    Given::with(())
        .given(created())
        .when(TenantCommand::Rename {
            name: "x".repeat(MAX_NAME_CHARS + 1),
        })
        .then_expect_error(TenantError::InvalidName(TextError::TooLong));
    Given::with(())
        .given(created())
        .when(TenantCommand::Rename {
            name: "a\u{7}b".into(),
        })
        .then_expect_error(TenantError::InvalidName(TextError::ControlCharacters));
}

#[test]
fn commands_on_a_tenant_that_does_not_exist_are_refused() {
    Given::with(())
        .given_no_previous_events()
        .when(TenantCommand::Rename { name: "X".into() })
        .then_expect_error(TenantError::NotFound);
}

#[test]
fn rename_emits_only_on_change() {
    Given::with(())
        .given(created())
        .when(TenantCommand::Rename {
            name: "Acme SAS".into(),
        })
        .then_expect_events(vec![TenantEvent::TenantRenamed {
            name: "Acme SAS".into(),
        }]);
    Given::with(())
        .given(created())
        .when(TenantCommand::Rename {
            name: "Acme".into(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn plan_change_emits_only_on_change() {
    Given::with(())
        .given(created())
        .when(TenantCommand::ChangePlan { plan: Plan::Pro })
        .then_expect_events(vec![TenantEvent::TenantPlanChanged { plan: Plan::Pro }]);
    Given::with(())
        .given(created())
        .when(TenantCommand::ChangePlan { plan: Plan::Free })
        .then_expect_events(vec![]);
}

#[test]
fn suspension_needs_a_reason() {
    Given::with(())
        .given(created())
        .when(TenantCommand::Suspend { reason: " ".into() })
        .then_expect_error(TenantError::MissingReason);
}

#[test]
fn a_suspended_tenant_cannot_act_but_billing_can_still_change_its_plan() {
    Given::with(())
        .given(suspended())
        .when(TenantCommand::Rename { name: "X".into() })
        .then_expect_error(TenantError::Suspended);
    Given::with(())
        .given(suspended())
        .when(TenantCommand::CreateApiKey {
            key_id: key(1),
            name: "k".into(),
            prefix: "ak_x".into(),
            secret_hash: "00".into(),
            created_by: user("alice"),
        })
        .then_expect_error(TenantError::Suspended);
    Given::with(())
        .given(suspended())
        .when(TenantCommand::ChangePlan { plan: Plan::Pro })
        .then_expect_events(vec![TenantEvent::TenantPlanChanged { plan: Plan::Pro }]);
}

#[test]
fn reactivate_only_a_suspended_tenant() {
    Given::with(())
        .given(suspended())
        .when(TenantCommand::Reactivate)
        .then_expect_events(vec![TenantEvent::TenantReactivated]);
    Given::with(())
        .given(created())
        .when(TenantCommand::Reactivate)
        .then_expect_error(TenantError::NotSuspended);
}

fn invited(user_id: &str, role: Role) -> Vec<TenantEvent> {
    let mut events = created();
    events.push(TenantEvent::MemberInvited {
        user_id: user(user_id),
        role,
    });
    events
}

#[test]
fn a_user_is_invited_once_and_never_a_member_twice() {
    Given::with(())
        .given(created())
        .when(TenantCommand::InviteMember {
            user_id: user("bob"),
            role: Role::Billing,
        })
        .then_expect_events(vec![TenantEvent::MemberInvited {
            user_id: user("bob"),
            role: Role::Billing,
        }]);
    Given::with(())
        .given(invited("bob", Role::Billing))
        .when(TenantCommand::InviteMember {
            user_id: user("bob"),
            role: Role::Owner,
        })
        .then_expect_error(TenantError::AlreadyInvited);
    Given::with(())
        .given(created())
        .when(TenantCommand::InviteMember {
            user_id: user("alice"),
            role: Role::Member,
        })
        .then_expect_error(TenantError::AlreadyMember);
}

#[test]
fn only_an_invited_user_becomes_a_member_with_the_invited_role() {
    Given::with(())
        .given(invited("bob", Role::Billing))
        .when(TenantCommand::AcceptInvitation {
            user_id: user("bob"),
        })
        .then_expect_events(vec![
            TenantEvent::InvitationAccepted {
                user_id: user("bob"),
            },
            TenantEvent::MemberAdded {
                user_id: user("bob"),
                role: Role::Billing,
            },
        ]);
    // Nobody joins uninvited, nor twice on one invitation.
    Given::with(())
        .given(invited("bob", Role::Billing))
        .when(TenantCommand::AcceptInvitation {
            user_id: user("carol"),
        })
        .then_expect_error(TenantError::InvitationNotFound);
    let mut accepted = invited("bob", Role::Billing);
    accepted.push(TenantEvent::InvitationAccepted {
        user_id: user("bob"),
    });
    accepted.push(TenantEvent::MemberAdded {
        user_id: user("bob"),
        role: Role::Billing,
    });
    Given::with(())
        .given(accepted)
        .when(TenantCommand::AcceptInvitation {
            user_id: user("bob"),
        })
        .then_expect_error(TenantError::InvitationNotFound);
}

#[test]
fn a_cancelled_invitation_can_no_longer_be_accepted() {
    Given::with(())
        .given(invited("bob", Role::Member))
        .when(TenantCommand::CancelInvitation {
            user_id: user("bob"),
        })
        .then_expect_events(vec![TenantEvent::InvitationCancelled {
            user_id: user("bob"),
        }]);
    let mut cancelled = invited("bob", Role::Member);
    cancelled.push(TenantEvent::InvitationCancelled {
        user_id: user("bob"),
    });
    Given::with(())
        .given(cancelled)
        .when(TenantCommand::AcceptInvitation {
            user_id: user("bob"),
        })
        .then_expect_error(TenantError::InvitationNotFound);
    Given::with(())
        .given(created())
        .when(TenantCommand::CancelInvitation {
            user_id: user("bob"),
        })
        .then_expect_error(TenantError::InvitationNotFound);
}

#[test]
fn the_last_owner_can_be_neither_demoted_nor_removed() {
    Given::with(())
        .given(created())
        .when(TenantCommand::ChangeMemberRole {
            user_id: user("alice"),
            role: Role::Member,
        })
        .then_expect_error(TenantError::LastOwner);
    Given::with(())
        .given(created())
        .when(TenantCommand::RemoveMember {
            user_id: user("alice"),
        })
        .then_expect_error(TenantError::LastOwner);
}

#[test]
fn an_owner_can_leave_once_another_owner_exists() {
    Given::with(())
        .given(created())
        .and(vec![TenantEvent::MemberAdded {
            user_id: user("bob"),
            role: Role::Owner,
        }])
        .when(TenantCommand::RemoveMember {
            user_id: user("alice"),
        })
        .then_expect_events(vec![TenantEvent::MemberRemoved {
            user_id: user("alice"),
        }]);
}

#[test]
fn unknown_members_are_reported() {
    Given::with(())
        .given(created())
        .when(TenantCommand::RemoveMember {
            user_id: user("nobody"),
        })
        .then_expect_error(TenantError::MemberNotFound);
    Given::with(())
        .given(created())
        .when(TenantCommand::ChangeMemberRole {
            user_id: user("nobody"),
            role: Role::Owner,
        })
        .then_expect_error(TenantError::MemberNotFound);
}

#[test]
fn api_keys_are_created_once_and_revoked_once() {
    Given::with(())
        .given(with_key())
        .when(TenantCommand::CreateApiKey {
            key_id: key(7),
            name: "again".into(),
            prefix: "ak_x".into(),
            secret_hash: "11".into(),
            created_by: user("alice"),
        })
        .then_expect_error(TenantError::ApiKeyExists);
    Given::with(())
        .given(with_key())
        .when(TenantCommand::RevokeApiKey { key_id: key(7) })
        .then_expect_events(vec![TenantEvent::ApiKeyRevoked { key_id: key(7) }]);
    Given::with(())
        .given(with_key())
        .and(vec![TenantEvent::ApiKeyRevoked { key_id: key(7) }])
        .when(TenantCommand::RevokeApiKey { key_id: key(7) })
        .then_expect_error(TenantError::ApiKeyRevoked);
    Given::with(())
        .given(created())
        .when(TenantCommand::RevokeApiKey { key_id: key(9) })
        .then_expect_error(TenantError::ApiKeyNotFound);
}

#[test]
fn api_key_names_are_validated() {
    Given::with(())
        .given(created())
        .when(TenantCommand::CreateApiKey {
            key_id: key(1),
            name: "".into(),
            prefix: "ak_x".into(),
            secret_hash: "00".into(),
            created_by: user("alice"),
        })
        .then_expect_error(TenantError::InvalidName(TextError::Empty));
}

#[test]
fn events_round_trip_through_their_stored_json() {
    // The log stores events as JSON forever: this pins the shape of version 1.
    let stored = r#"{"ApiKeyCreated":{"key_id":"00000000-0000-0000-0000-000000000007","name":"ci","prefix":"ak_abcd","secret_hash":"00","created_by":"alice"}}"#;
    let event: TenantEvent = serde_json::from_str(stored).unwrap();
    assert_eq!(event, with_key()[2]);
    assert_eq!(serde_json::to_string(&event).unwrap(), stored);
    assert_eq!(cqrs_es::DomainEvent::event_version(&event), "1");
}

mod billing {
    use super::*;
    use crate::tenant::{BillingChange, BillingNotice};

    fn notice(id: &str, created: i64, change: BillingChange) -> BillingNotice {
        BillingNotice {
            event_id: id.into(),
            created,
            customer_id: "cus_1".into(),
            subscription_id: Some("sub_1".into()),
            change,
        }
    }
    fn status(s: &str) -> BillingChange {
        BillingChange::Subscription { status: s.into() }
    }
    fn recorded(n: BillingNotice, applied: bool) -> TenantEvent {
        TenantEvent::BillingNoticeRecorded { notice: n, applied }
    }
    fn on_pro() -> Vec<TenantEvent> {
        let mut events = created();
        events.push(recorded(notice("evt_1", 100, status("active")), true));
        events.push(TenantEvent::TenantPlanChanged { plan: Plan::Pro });
        events
    }

    #[test]
    fn an_active_subscription_moves_the_tenant_to_pro() {
        let n = notice("evt_1", 100, status("active"));
        Given::with(())
            .given(created())
            .when(TenantCommand::ApplyBilling { notice: n.clone() })
            .then_expect_events(vec![
                recorded(n, true),
                TenantEvent::TenantPlanChanged { plan: Plan::Pro },
            ]);
    }

    #[test]
    fn the_same_notice_twice_is_applied_once() {
        Given::with(())
            .given(on_pro())
            .when(TenantCommand::ApplyBilling {
                notice: notice("evt_1", 100, status("active")),
            })
            .then_expect_events(vec![]);
    }

    #[test]
    fn a_deleted_subscription_moves_the_tenant_back_to_free() {
        let n = notice("evt_2", 200, BillingChange::SubscriptionDeleted);
        Given::with(())
            .given(on_pro())
            .when(TenantCommand::ApplyBilling { notice: n.clone() })
            .then_expect_events(vec![
                recorded(n, true),
                TenantEvent::TenantPlanChanged { plan: Plan::Free },
            ]);
    }

    #[test]
    fn a_notice_older_than_the_last_applied_changes_nothing() {
        // `created` (t=100) delivered after `deleted` (t=200).
        let mut given = created();
        given.push(recorded(
            notice("evt_2", 200, BillingChange::SubscriptionDeleted),
            true,
        ));
        let late = notice("evt_1", 100, status("active"));
        Given::with(())
            .given(given)
            .when(TenantCommand::ApplyBilling {
                notice: late.clone(),
            })
            .then_expect_events(vec![recorded(late, false)]);
    }

    #[test]
    fn a_failed_payment_is_recorded_without_changing_the_plan() {
        let n = notice(
            "evt_3",
            300,
            BillingChange::PaymentFailed {
                invoice_id: "in_1".into(),
            },
        );
        Given::with(())
            .given(on_pro())
            .when(TenantCommand::ApplyBilling { notice: n.clone() })
            .then_expect_events(vec![recorded(n, true)]);
    }

    #[test]
    fn an_unpaid_subscription_is_free_and_a_suspended_tenant_still_settles() {
        let mut given = on_pro();
        given.push(TenantEvent::TenantSuspended {
            reason: "fraud check".into(),
        });
        let n = notice("evt_4", 400, status("unpaid"));
        Given::with(())
            .given(given)
            .when(TenantCommand::ApplyBilling { notice: n.clone() })
            .then_expect_events(vec![
                recorded(n, true),
                TenantEvent::TenantPlanChanged { plan: Plan::Free },
            ]);
    }
}
