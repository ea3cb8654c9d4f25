//! What can go wrong while projecting.

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// An event in the log that its projector cannot read: the projector stops
    /// there (it never skips an event) until the code is fixed.
    #[error("cannot decode {event_type} at position {position}: {reason}")]
    Decode {
        event_type: String,
        position: i64,
        reason: String,
    },
    /// A non-SQL target (object storage, an index) failed; the batch is retried.
    #[error("projection target: {0}")]
    Target(String),
    #[error("no projector named {0:?}")]
    UnknownProjector(String),
}
