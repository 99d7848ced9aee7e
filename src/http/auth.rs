//! Checking a request's key: where it is presented, who sent it (through
//! trusted proxies), the sign-in lockout, and the `Auth<R>` extractor that
//! names the roles a handler admits. Keys themselves are `crate::keys`.

use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;

use crate::config::ip_range;
use crate::domain::Role;
use crate::error::AppError;
use crate::keys::hash_key;
pub use crate::keys::Principal;
use crate::limits::Refused;
use crate::state::AppState;
use crate::store::keys;

/// The key in `Authorization: Bearer <key>`, or the password of HTTP Basic
/// (what FreeSWITCH's mod_xml_curl sends).
fn presented_key(parts: &Parts) -> Option<String> {
    let header = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, value) = header.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(value.trim().to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        return text
            .split_once(':')
            .map(|(_, password)| password.to_owned());
    }
    None
}

/// The client's address: the TCP peer, or, when the peer is one of the
/// `trusted_proxies`, the right-most `X-Forwarded-For` address that is not
/// itself a trusted proxy (the left entries are whatever the client wrote).
/// From any other peer the header is ignored: anyone can send it.
pub fn client_address(state: &AppState, parts: &Parts) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical())?;
    let trusted = &state.settings.trusted_proxies;
    if trusted.is_empty() || !ip_range::any_contains(trusted, peer) {
        return Some(peer);
    }
    let mut client = peer;
    // Several headers count as one list, in order.
    for header in parts.headers.get_all(X_FORWARDED_FOR).iter().rev() {
        let Ok(list) = header.to_str() else {
            return Some(client);
        };
        for entry in list.rsplit(',') {
            // An entry that is not an address (`unknown`, garbage) ends the
            // trail: the last trusted hop is the best answer known.
            let Ok(addr) = entry.trim().parse::<IpAddr>() else {
                return Some(client);
            };
            client = addr.to_canonical();
            if !ip_range::any_contains(trusted, client) {
                return Some(client);
            }
        }
    }
    Some(client)
}

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The principal of a key the key table knows (cached for `KeyCache::TTL`).
async fn known_key(state: &AppState, key: &str) -> Result<Option<Principal>, AppError> {
    let hash = hash_key(key);
    if let Some(principal) = state.keys.get(&hash) {
        return Ok(Some(principal));
    }
    let lookup = hash.clone();
    let found = state
        .store
        .read(move |conn| keys::key_by_hash(conn, &lookup))
        .await?;
    Ok(found.map(|(name, role)| {
        let principal = Principal { name, role };
        state.keys.put(hash, principal.clone());
        principal
    }))
}

/// The key's principal. A source that keeps presenting bad keys is locked
/// out for a while (429), and staff keys are rate limited per key and per
/// source; the PBX's key is not, since every call uses it (the flood guard
/// limits callers instead).
///
/// The key is checked before the lockout, and the pbx key is served even
/// from a locked-out source: wrong keys from the PBX's address (or from
/// the proxy all staff come through) must not turn every screening into
/// 429, which the dialplan treats as no answer and routes unscreened. The
/// price: a wrong key from a locked-out source costs one indexed read of
/// the key table, as it did before the lockout.
pub async fn authenticate(state: &AppState, parts: &Parts) -> Result<Principal, AppError> {
    let source = client_address(state, parts);
    let principal = match presented_key(parts) {
        Some(key) => known_key(state, &key).await?,
        None => None,
    };
    let Some(principal) = principal else {
        return Err(match source {
            Some(source) => {
                state.limits.check_locked(source)?;
                state.limits.sign_in_failed(source)
            }
            None => AppError::Unauthorized,
        });
    };
    if let (Some(source), false) = (source, principal.role == Role::Pbx) {
        state.limits.check_locked(source)?;
        state.limits.check_request(&principal.name, source)?;
    }
    Ok(principal)
}

/// Counts and logs a key refused (401, 403) on one of the PBX's paths: a
/// PBX with a wrong or revoked key otherwise fails open on every call
/// without a word. Logged at most once a minute per key name (403) or
/// source (401), so a guesser cannot flood the log.
fn refused_on_pbx_path(state: &AppState, parts: &Parts, error: &AppError, key: Option<&Principal>) {
    let Some(path) = parts
        .extensions
        .get::<MatchedPath>()
        .and_then(|path| crate::metrics::auth_failure(path.as_str()))
    else {
        return;
    };
    let source = client_address(state, parts);
    let who = match key {
        Some(principal) => Refused::Key(principal.name.clone()),
        None => Refused::Source(source),
    };
    if state.limits.refused_keys.first_in_period(who) {
        let source = source.map(|s| s.to_string()).unwrap_or_default();
        tracing::warn!(
            path,
            status = error.status_code().as_u16(),
            %source,
            key = key.map(|p| p.name.as_str()).unwrap_or(""),
            "refused a key on a PBX path (logged once a minute per key or source)"
        );
    }
}

/// A set of roles a handler admits.
pub trait Roles: Send + Sync + 'static {
    const ALLOWED: &'static [Role];
}

macro_rules! roles {
    ($($(#[$doc:meta])* $name:ident => [$($role:ident),+];)+) => {$(
        $(#[$doc])*
        pub struct $name;
        impl Roles for $name {
            const ALLOWED: &'static [Role] = &[$(Role::$role),+];
        }
    )+};
}

roles! {
    /// The PBX asking about a call.
    Screening => [Pbx, Admin];
    /// Reporting how a call went: the PBX's hangup hook or the advisor.
    CallReporting => [Pbx, Advisor, Admin];
    /// Advisors and everyone above them: contact history, other channels.
    Staff => [Advisor, Supervisor, Admin];
    /// People, enquiries, measures and number rules.
    Supervision => [Supervisor, Admin];
    /// The audit log.
    Administration => [Admin];
}

/// Extracts the caller's principal, refusing keys whose role is not in `R`.
pub struct Auth<R: Roles>(pub Principal, pub PhantomData<R>);

impl<R: Roles> FromRequestParts<AppState> for Auth<R> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (error, principal) = match authenticate(state, parts).await {
            Ok(principal) if R::ALLOWED.contains(&principal.role) => {
                return Ok(Auth(principal, PhantomData))
            }
            Ok(principal) => (AppError::Forbidden, Some(principal)),
            Err(error) => (error, None),
        };
        if matches!(error, AppError::Unauthorized | AppError::Forbidden) {
            refused_on_pbx_path(state, parts, &error, principal.as_ref());
        }
        Err(error)
    }
}
