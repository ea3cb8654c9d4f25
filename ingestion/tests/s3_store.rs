//! The S3 store against a real S3-API server (s3s-fs, started by
//! `make test`): the same contract as the local folder, and SigV4 enforced.

use ancre_ingestion::storage::{ObjectStore, S3Config, S3Store};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with `make test` (it starts the S3-API server)")
    })
}

fn config(bucket: &str) -> S3Config {
    S3Config {
        endpoint: Some(env("ANCRE_TEST_S3_ENDPOINT")),
        region: "us-east-1".into(),
        bucket: bucket.into(),
        access_key_id: env("ANCRE_TEST_S3_ACCESS_KEY"),
        secret_access_key: env("ANCRE_TEST_S3_SECRET_KEY"),
    }
}

async fn store() -> S3Store {
    let store = S3Store::new(&config(&format!(
        "t{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )));
    store.ensure_bucket().await.expect("bucket");
    store.ensure_bucket().await.expect("ensuring twice is fine");
    store
}

#[tokio::test]
async fn objects_round_trip_and_overwrite() {
    let store = store().await;
    assert_eq!(store.get("a/b/original").await.unwrap(), None);
    store.put("a/b/original", b"first").await.unwrap();
    assert_eq!(
        store.get("a/b/original").await.unwrap().as_deref(),
        Some(&b"first"[..])
    );
    store.put("a/b/original", b"second").await.unwrap();
    assert_eq!(
        store.get("a/b/original").await.unwrap().as_deref(),
        Some(&b"second"[..])
    );
    let big = vec![7u8; 3 << 20];
    store.put("a/b/big", &big).await.unwrap();
    assert_eq!(store.get("a/b/big").await.unwrap().unwrap(), big);
    store.delete("a/b/original").await.unwrap();
    store.delete("a/b/original").await.unwrap();
    assert_eq!(store.get("a/b/original").await.unwrap(), None);
}

#[tokio::test]
async fn deleting_a_folder_spares_its_neighbours() {
    let store = store().await;
    for key in [
        "t/d/u1/original",
        "t/d/u1/chunks.json",
        "t/d/u10/original",
        "t/d/u2/original",
    ] {
        store.put(key, key.as_bytes()).await.unwrap();
    }
    store.delete_prefix("t/d/u1").await.unwrap();
    assert_eq!(store.get("t/d/u1/original").await.unwrap(), None);
    assert_eq!(store.get("t/d/u1/chunks.json").await.unwrap(), None);
    assert!(
        store.get("t/d/u10/original").await.unwrap().is_some(),
        "u10 is not in u1"
    );
    assert!(store.get("t/d/u2/original").await.unwrap().is_some());
    store.delete_prefix("t/d/nothing-here").await.unwrap();
}

#[tokio::test]
async fn a_wrong_secret_and_bad_keys_are_refused() {
    let bucket = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    S3Store::new(&config(&bucket))
        .ensure_bucket()
        .await
        .unwrap();
    let mut wrong = config(&bucket);
    wrong.secret_access_key = "not-the-secret".into();
    let e = S3Store::new(&wrong)
        .put("k/original", b"x")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("k/original"), "{e}");

    let store = S3Store::new(&config(&bucket));
    for bad in ["../etc/passwd", "/abs", "a//b", ""] {
        assert!(store.put(bad, b"x").await.is_err(), "{bad:?}");
    }
}

/// `put_file` stores a file as `put` stores its bytes, in either store, and
/// replaces what was there.
async fn files_are_stored_as_their_bytes(store: &dyn ObjectStore) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload");
    let big: Vec<u8> = (0..(5 << 20)).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &big).unwrap();
    store.put("f/u/original", b"old").await.unwrap();
    store.put_file("f/u/original", &path).await.unwrap();
    assert_eq!(store.get("f/u/original").await.unwrap().unwrap(), big);
    assert!(
        store.put_file("../escape", &path).await.is_err(),
        "keys are checked"
    );
    assert!(
        store
            .put_file("f/u/missing", &dir.path().join("nothing"))
            .await
            .is_err(),
        "a missing file is an error, not an empty object"
    );
    assert_eq!(store.get("f/u/missing").await.unwrap(), None);
}

#[tokio::test]
async fn a_file_is_streamed_into_either_store() {
    files_are_stored_as_their_bytes(&store().await).await;
    let local = tempfile::tempdir().unwrap();
    files_are_stored_as_their_bytes(&ancre_ingestion::storage::LocalFolder::new(local.path()))
        .await;
}
