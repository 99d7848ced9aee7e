//! API keys: how they are made and hashed, who holds one (a name and a
//! role), and the short-lived cache that spares the per-call path a read of
//! the key table. Checking a request's key is the HTTP layer's (`http::auth`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::Role;

/// Who is calling: the key's name (the audit log's actor) and its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
}

/// A new random key: 32 bytes from the OS generator, URL-safe text.
pub fn new_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "fl_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Keys are long random strings, not passwords, so one SHA-256 suffices.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Recently checked keys, so the per-call path does not read the key table
/// on every request. A revoked key stops working within `TTL`.
#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (Principal, Instant)>>,
}

impl KeyCache {
    const TTL: Duration = Duration::from_secs(10);

    pub fn get(&self, hash: &str) -> Option<Principal> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(hash)
            .filter(|(_, at)| at.elapsed() < Self::TTL)
            .map(|(principal, _)| principal.clone())
    }

    pub fn put(&self, hash: String, principal: Principal) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(hash, (principal, Instant::now()));
    }
}
