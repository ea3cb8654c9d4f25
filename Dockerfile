# Production image of the `ancre` binary and its web UI (used by docker-compose.yml).
FROM node:20-bookworm AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p ancre-api

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/ancre /usr/local/bin/ancre
COPY --from=web /src/frontend/dist /usr/share/ancre/web
ENV ANCRE_WEB_DIR=/usr/share/ancre/web
EXPOSE 8000
ENTRYPOINT ["ancre"]
CMD ["serve"]
