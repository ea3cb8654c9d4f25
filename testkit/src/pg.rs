//! One database per test, so tests stay independent under `cargo nextest`
//! (which runs each test in its own process).
//!
//! The first test to arrive creates `ancre_tpl_<hash of migrations>` under an
//! advisory lock and migrates it; every test then gets
//! `CREATE DATABASE … TEMPLATE` that, which takes milliseconds.

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

/// Where `make test` says the test cluster is.
pub const ENV: &str = "ANCRE_TEST_DATABASE_URL";

pub struct TestDb {
    pub name: String,
    pub url: String,
    pub pool: PgPool,
}

fn migrations_dir() -> PathBuf {
    crate::manifest_dir().join("../migrations")
}

fn admin_url() -> String {
    std::env::var(ENV).unwrap_or_else(|_| {
        panic!(
            "{ENV} is not set: run the tests with `make test` (it starts a PostgreSQL \
             cluster for them), or point {ENV} at a PostgreSQL server you may create databases on"
        )
    })
}

fn migrations_hash() -> String {
    let mut files: Vec<_> = std::fs::read_dir(migrations_dir())
        .expect("migrations folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.file_name().unwrap().as_encoded_bytes());
        h.update(std::fs::read(&f).expect("read migration"));
    }
    let digest = h.finalize();
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

fn url_for(admin: &str, database: &str) -> String {
    let opts: PgConnectOptions = admin.parse().expect("valid database URL");
    opts.database(database).to_url_lossy().to_string()
}

impl TestDb {
    pub async fn new() -> TestDb {
        let admin = admin_url();
        let template = format!("ancre_tpl_{}", migrations_hash());
        let mut conn = PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test cluster at {admin}: {e}"));
        sqlx::query("SELECT pg_advisory_lock(727274)")
            .execute(&mut conn)
            .await
            .unwrap();
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&template)
                .fetch_one(&mut conn)
                .await
                .unwrap();
        if !exists {
            sqlx::query(&format!("CREATE DATABASE {template}"))
                .execute(&mut conn)
                .await
                .unwrap();
            let mut tpl = PgConnection::connect(&url_for(&admin, &template))
                .await
                .unwrap();
            let migrator = sqlx::migrate::Migrator::new(migrations_dir())
                .await
                .unwrap();
            migrator.run(&mut tpl).await.expect("migrate the template");
            tpl.close().await.unwrap();
        }
        let name = format!("ancre_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("SELECT pg_advisory_unlock(727274)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.ok();
        let url = url_for(&admin, &name);
        let pool = PgPoolOptions::new()
            .max_connections(20)
            .connect(&url)
            .await
            .unwrap();
        TestDb { name, url, pool }
    }
}
