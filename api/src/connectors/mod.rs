//! Connectors on the product's side: Nango's webhooks turned into commands
//! (`webhook`), and the `connector_sync` worker that imports a sync's records
//! into the bound collection through the same intake as uploads (`sync`).

pub mod sync;
pub mod webhook;
