//! How a refused command reads to whoever sent it. Every aggregate error says
//! which kind it is, so the HTTP edge maps all of them in one place instead of
//! special-casing "not found" per route.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// The target does not exist for this caller (unknown, deleted, or another tenant's).
    NotFound,
    /// The command clashes with the current state (already exists, already a member).
    Conflict,
    /// The command breaks a rule (invalid input, last owner, already revoked…).
    Invalid,
}

pub trait Rejection {
    fn kind(&self) -> RejectionKind;
}
