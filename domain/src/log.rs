//! A place in `$all`, the global log.
//!
//! The log is read in `(transaction_id, position)` order, and only below the
//! oldest transaction still in flight. That order is stable: an event that
//! commits late always lands *after* every checkpoint taken before it
//! committed, so no reader ever skips it. Ordering by `position` alone would
//! (a transaction that inserted early but committed late has a small position).
//!
//! `transaction_id` is PostgreSQL's 64-bit `xid8`; it is exchanged with SQL as
//! text (`$1::text::xid8`) because sqlx has no native `xid8` type.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LogPosition {
    pub transaction_id: i64,
    pub position: i64,
}

impl LogPosition {
    /// Before the first event.
    pub const START: LogPosition = LogPosition {
        transaction_id: 0,
        position: 0,
    };
}

impl Ord for LogPosition {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.transaction_id, self.position).cmp(&(other.transaction_id, other.position))
    }
}

impl PartialOrd for LogPosition {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
