# Production image of the `ancre` binary (used by docker-compose.yml).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p ancre-api

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/ancre /usr/local/bin/ancre
EXPOSE 8000
ENTRYPOINT ["ancre"]
CMD ["serve"]
