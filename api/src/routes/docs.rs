//! The OpenAPI document, generated from the handlers' annotations, served at
//! `/openapi.json`, with Swagger UI at `/docs` (assets vendored in the binary)
//! and ReDoc at `/redoc` (its script comes from ReDoc's CDN, so that page
//! needs the browser to reach the internet; `/docs` does not).

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_redoc::{Redoc, Servable};
use utoipa_swagger_ui::SwaggerUi;

use crate::app::AppState;
use crate::error::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ancre API",
        description = "Multi-tenant RAG: collections, documents, assistants and chat with cited sources. \
Authenticate with `Authorization: Bearer <Clerk session token | API key>`. \
Every error is `application/problem+json`.",
    ),
    paths(
        super::tenants::create,
        super::tenants::list,
        super::tenants::get_tenant,
        super::tenants::rename,
        super::tenants::suspend,
        super::tenants::reactivate,
        super::me::me,
        super::api_keys::create,
        super::api_keys::list,
        super::api_keys::revoke,
        super::members::list,
        super::members::invite,
        super::invitations::of_tenant,
        super::invitations::withdraw,
        super::invitations::mine,
        super::invitations::accept,
        super::invitations::decline,
        super::members::change_role,
        super::members::remove,
        super::collections::create,
        super::collections::list,
        super::collections::get_collection,
        super::collections::update,
        super::collections::delete,
        super::documents::upload,
        super::documents::list,
        super::documents::get_document,
        super::documents::file,
        super::documents::chunks,
        super::document_feed::feed,
        super::documents::delete,
        super::assistants::create,
        super::assistants::list,
        super::assistants::get_assistant,
        super::assistants::update,
        super::assistants::delete,
        super::retrieval_preview::search,
        super::chat::ask,
        super::chat::ask_stream,
        super::conversations::list,
        super::conversations::get_conversation,
        super::usage::current,
        super::usage::history,
        super::usage::ledger,
        super::billing::status,
        super::billing::checkout,
        super::billing::portal,
        super::billing::stripe_webhook,
        super::integrations::connect,
        super::integrations::callback,
        super::integrations::list,
        super::integrations::bind,
        super::integrations::sync,
        super::integrations::disconnect,
        super::integrations::webhook,
        super::copilotkit::kpi,
        super::copilotkit::run_agent,
        super::health::healthz,
        super::health::readyz,
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A Clerk session token, or an API key (`ak_…`)."))
                    .build(),
            ),
        );
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
        .merge(Redoc::with_url("/redoc", ApiDoc::openapi()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The web UI's API types are generated from `frontend/openapi.json`
    /// (`npm run api-types`); a handler whose shapes change without it would
    /// leave the UI compiling against the old API. `make openapi` rewrites it.
    #[test]
    fn the_web_ui_builds_against_this_api_document() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/openapi.json");
        let current = ApiDoc::openapi().to_pretty_json().expect("serialisable") + "\n";
        if std::env::var_os("ANCRE_WRITE_OPENAPI").is_some() {
            std::fs::write(&path, &current).expect("writing frontend/openapi.json");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == current,
            "frontend/openapi.json differs from the API: run `make openapi` and commit it"
        );
    }
}
