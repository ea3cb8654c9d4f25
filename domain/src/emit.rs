//! The one way our aggregates plug into cqrs-es: `decide` (pure, testable on
//! its own) returns the events for a command, and `fold` applies one event to
//! the state. `event_sourced!` writes the `Aggregate` impl from those two.

/// Implements `cqrs_es::Aggregate` for an aggregate with inherent
/// `decide(&self, Command) -> Result<Vec<Event>, Error>` and `fold(&mut self, Event)`.
macro_rules! event_sourced {
    ($aggregate:ty, $type_name:literal, $command:ty, $event:ty, $error:ty) => {
        impl cqrs_es::Aggregate for $aggregate {
            const TYPE: &'static str = $type_name;
            type Command = $command;
            type Event = $event;
            type Error = $error;
            type Services = ();

            async fn handle(
                &mut self,
                command: Self::Command,
                _services: &Self::Services,
                sink: &cqrs_es::event_sink::EventSink<Self>,
            ) -> Result<(), Self::Error> {
                for event in self.decide(command)? {
                    sink.write(event, self).await;
                }
                Ok(())
            }

            fn apply(&mut self, event: Self::Event) {
                self.fold(event)
            }
        }
    };
}

pub(crate) use event_sourced;
