//! Serving HTTP with limits a slow or greedy client cannot get around.
//!
//! `axum::serve` reads headers for as long as a client cares to send them and
//! accepts every connection: a few hundred clients sending a header line
//! every few seconds (slowloris) would hold the server. Here:
//! - a connection that has not sent a whole request head within
//!   `header_read_timeout` is closed (also an idle kept-alive one: hyper's
//!   timer runs whenever it waits for a head);
//! - a request whose response has not started within `request_timeout` gets
//!   a 408 problem (a body trickled in, a handler stuck); a response that has
//!   started — an SSE feed, a streamed answer — is not cut;
//! - at most `max_connections` are served at once; the next ones wait in the
//!   kernel's backlog until one ends.
//!
//! On shutdown, connections finish their requests in flight, for at most
//! [`SHUTDOWN_GRACE`] (a live feed never would).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use crate::error::ApiError;

/// How long connections get to finish their requests once asked to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The limits of [`serve`] (see the module's documentation).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// `ANCRE_HEADER_READ_TIMEOUT_SECS` (10).
    pub header_read_timeout: Duration,
    /// `ANCRE_REQUEST_TIMEOUT_SECS` (300: a 50 MiB upload on a slow line).
    pub request_timeout: Duration,
    /// `ANCRE_MAX_CONNECTIONS` (1024).
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(300),
            max_connections: 1024,
        }
    }
}

/// Middleware: a response that has not started within the request timeout
/// becomes a 408 problem.
pub async fn request_timeout(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout(format!(
            "the request took longer than {} s to arrive and be answered",
            limit.as_secs()
        ))
        .into_response(),
    }
}

/// Resolves once `stop` is true (the guard `wait_for` returns is dropped
/// here, not held across the server loop's awaits).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Serves `app` on `listener` until `stop` turns true.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    // HTTP/1.1 only: the timer of a head starts with the connection. (An
    // HTTP/1-or-2 server reads the first bytes to tell them apart with no
    // deadline at all, and a silent client would hold it; HTTP/2 comes from
    // the proxy in front, which speaks HTTP/1.1 to us.)
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let slot = tokio::select! {
            _ = stopped(&mut stop) => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let (stream, _peer) = tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, a connection reset before it
                    // was accepted: the next one may go through.
                    tracing::warn!(%error, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            app.clone().oneshot(request)
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        connections.spawn(async move {
            // A client that goes away or breaks the protocol is not our error.
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace: closed");
    }
    connections.abort_all();
    Ok(())
}
