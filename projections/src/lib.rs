//! The read side: a subscription engine over `$all` and the projectors it drives.
//!
//! Each projector has a name and a checkpoint (a [`LogPosition`]). It reads the
//! log from its checkpoint in `(transaction_id, position)` order, only below the
//! oldest transaction still in flight, applies the events and stores its new
//! checkpoint **in the same transaction** as its writes: a crash at any point
//! leaves either the whole batch applied and checkpointed, or none of it.
//!
//! LISTEN/NOTIFY on `ancre_events` wakes the projectors when events commit;
//! polling is the fallback (a notification is lost if a transaction aborts or
//! the listener reconnects).
//!
//! Module map:
//! - [`log`]: reading `$all` safely ([`log::read_after`]).
//! - [`projector`]: the trait a projector implements.
//! - [`engine`]: running projectors (batches, wake-ups, retries, lag).
//! - [`deliveries`]: projectors fed from Kafka (per-aggregate order, at
//!   least once): de-duplication and a checkpoint that stays a low watermark.
//! - [`progress`]: in-process progress and read-your-writes waits.
//! - [`status`]: checkpoints, backlog and lag, for the CLI, `/readyz` and `/metrics`.
//! - [`rebuild`]: drop a projection and replay it from the start, atomically.
//! - [`projectors`]: the projectors themselves, one file each.
//! - [`read`]: the queries the API serves from read models, one file per model.

pub mod deliveries;
pub mod engine;
pub mod error;
pub mod lag;
pub mod log;
pub mod progress;
pub mod projector;
pub mod projectors;
pub mod read;
pub mod rebuild;
pub mod status;

pub use ancre_domain::LogPosition;
pub use engine::{Engine, EngineConfig};
pub use error::ProjectionError;
pub use log::StoredEvent;
pub use progress::Progress;
pub use projector::Projector;
