//! A local server that speaks Clerk's JWKS wire protocol
//! (`GET /.well-known/jwks.json` → `{"keys":[{kty,kid,use,alg,n,e}]}`), and a
//! signer that mints RS256 session tokens the way Clerk does, with RSA keys
//! generated for the test. Keys can be rotated to exercise the refresh path.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};

pub struct SigningKey {
    pub kid: String,
    pub private: RsaPrivateKey,
    pub encoding: EncodingKey,
}

impl SigningKey {
    pub fn generate(kid: &str) -> SigningKey {
        let mut rng = rand08::thread_rng();
        let private = RsaPrivateKey::new(&mut rng, 2048).expect("generate an RSA key");
        let pem = private.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        SigningKey {
            kid: kid.to_owned(),
            encoding: EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
            private,
        }
    }

    /// The public half as a JWK.
    pub fn jwk(&self) -> Value {
        let public = self.private.to_public_key();
        json!({
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        })
    }

    /// The public key as PEM (what an attacker would use as an HS256 secret).
    pub fn public_pem(&self) -> String {
        use rsa::pkcs8::EncodePublicKey;
        self.private
            .to_public_key()
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
    }

    /// A Clerk-shaped session token for `sub`, valid for an hour.
    pub fn mint(&self, issuer: &str, sub: &str) -> String {
        let now = now();
        self.mint_claims(&json!({
            "iss": issuer, "sub": sub, "sid": "sess_test", "azp": "http://localhost",
            "iat": now, "nbf": now - 5, "exp": now + 3600,
        }))
    }

    pub fn mint_claims(&self, claims: &Value) -> String {
        self.mint_typed(Some("JWT"), claims)
    }

    /// A token whose header says `typ` (Clerk's session tokens: `JWT`).
    pub fn mint_typed(&self, typ: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = typ.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[derive(Clone)]
struct Shared {
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

/// The running JWKS server.
pub struct JwksServer {
    pub addr: SocketAddr,
    shared: Shared,
    _task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    pub async fn start(initial: &[&SigningKey]) -> JwksServer {
        let shared = Shared {
            keys: Arc::new(Mutex::new(initial.iter().map(|k| k.jwk()).collect())),
            fetches: Arc::new(AtomicUsize::new(0)),
        };
        let app = Router::new()
            .route("/.well-known/jwks.json", get(jwks))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        JwksServer {
            addr,
            shared,
            _task: task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/.well-known/jwks.json", self.addr)
    }

    /// Publishes another key (a rotation).
    pub fn publish(&self, key: &SigningKey) {
        self.shared.keys.lock().unwrap().push(key.jwk());
    }

    /// How many times the JWKS was fetched.
    pub fn fetches(&self) -> usize {
        self.shared.fetches.load(Ordering::SeqCst)
    }
}

async fn jwks(State(shared): State<Shared>) -> Json<Value> {
    shared.fetches.fetch_add(1, Ordering::SeqCst);
    let keys = shared.keys.lock().unwrap().clone();
    Json(json!({ "keys": keys }))
}
