//! The one way our aggregates answer a command: `decide` (pure, testable on
//! its own) returns the events, and each is applied and recorded in turn.

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;

pub(crate) async fn emit<A: Aggregate>(
    aggregate: &mut A,
    sink: &EventSink<A>,
    decided: Result<Vec<A::Event>, A::Error>,
) -> Result<(), A::Error> {
    for event in decided? {
        sink.write(event, aggregate).await;
    }
    Ok(())
}
