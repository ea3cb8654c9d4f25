//! The web UI's copilot, served from Rust so that production needs no
//! Node.js runtime: an AG-UI agent endpoint (`POST /api/v1/copilotkit/agent`)
//! streaming the protocol's events over SSE.
//!
//! - [`agui`]: the protocol's wire types (run input, events).
//! - [`intent`]: the offline router — KPI questions in English and French.
//! - [`agent`]: one run → its events (the `show_kpis` tool call and its
//!   result, the state snapshot, the text message).

pub mod agent;
pub mod agui;
pub mod intent;
pub mod model_led;
pub mod tools;
