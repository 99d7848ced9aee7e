//! Request-body and query extractors whose failures are the API's own
//! errors: a body or query is read whole (nothing after the JSON value, no
//! key twice, an object at the top), a bad value names its field, and no
//! message names a Rust type.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use serde::de::{DeserializeOwned, Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use self::messages::plain;
use crate::domain::RecordId;
use crate::error::AppError;
use crate::state::AppState;

/// A JSON body, parsed with the path of any field that failed.
pub struct ApiJson<T>(pub T);

/// A record's id from the path (`/v1/people/{id}`), as its newtype. An id
/// that is not a positive whole number names no record, so it is that
/// record's 404 rather than a 400: `/v1/people/abc` is "person not found".
pub struct IdPath<T>(pub T);

impl<S: Send + Sync, T: RecordId> FromRequestParts<S> for IdPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound(T::WHAT))?;
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(IdPath(T::from_raw(id))),
            _ => Err(AppError::NotFound(T::WHAT)),
        }
    }
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if media_type(req.headers()).as_deref() != Some("application/json") {
            return Err(AppError::UnsupportedMediaType(
                "JSON (Content-Type: application/json)",
            ));
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The request's media type without its parameters, lower-cased:
/// `Application/JSON; charset=utf-8` is `application/json`, and
/// `application/jsonfoo` is itself, not JSON.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or("").trim();
    Some(essence.to_ascii_lowercase())
}

pub async fn read_body(req: Request, state: &AppState) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::Malformed(rejection.body_text())
        }
    })
}

/// Parses a JSON body whole: one value and nothing after it (400), no key
/// twice in any object (422), an object at the top (422), then `T` from it
/// with the path of any field that does not fit (422).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize::<_, Unique>(&mut *de) {
        Ok(Unique(value)) => value,
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(AppError::Malformed(strip_position(&inner.to_string())));
            }
            return Err(field_error(&path, &strip_position(&inner.to_string())));
        }
    };
    // Without this, `{"reason": "x"} xyz` is read as `{"reason": "x"}`.
    de.end()
        .map_err(|e| AppError::Malformed(strip_position(&e.to_string())))?;
    if !value.is_object() {
        return Err(AppError::invalid(
            "body",
            format!("must be a JSON object, not {}", json_kind(&value)),
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        field_error(&path, &err.into_inner().to_string())
    })
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A JSON value read with every object's keys checked for repeats:
/// `serde_json::Value` keeps the last of two, so `{"reason": "a",
/// "reason": "b"}` would say whatever the last one said.
struct Unique(Value);

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor).map(Unique)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Unique(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                // serde's own wording, which `field_error` reads.
                return Err(A::Error::custom(format!("duplicate field `{key}`")));
            }
            let Unique(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

/// A query string's fields, with the API's errors.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> axum::extract::FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &AppState,
    ) -> Result<Self, AppError> {
        parse_form(parts.uri.query().unwrap_or("").as_bytes()).map(ApiQuery)
    }
}

/// Reads a query string or a form body: no name twice (which would be
/// either value, depending on the reader), and a bad value names its field.
pub fn parse_form<T: DeserializeOwned>(input: &[u8]) -> Result<T, AppError> {
    // A list, not a set: a query has a handful of names.
    let mut seen = Vec::new();
    for (name, _) in form_urlencoded::parse(input) {
        if seen.contains(&name) {
            return Err(AppError::invalid(name, "is given more than once"));
        }
        seen.push(name);
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(input));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        field_error(&path, &err.into_inner().to_string())
    })
}

/// Names the field serde complained about. serde reports unknown, missing
/// and repeated fields at their parent's path, with the name in backticks.
fn field_error(path: &str, message: &str) -> AppError {
    let parent = |name: &str| match path {
        "." => name.to_owned(),
        parent => format!("{parent}.{name}"),
    };
    let backticked = |rest: &str| rest.split('`').next().unwrap_or_default().to_owned();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // The path ends in the unknown name for JSON; a query gives none.
        let name = backticked(rest);
        let field = if path == "." || !path.ends_with(name.as_str()) {
            parent(&name)
        } else {
            path.to_owned()
        };
        return AppError::invalid(field, "is not a known field");
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        return AppError::invalid(parent(&backticked(rest)), "is required");
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        return AppError::invalid(parent(&backticked(rest)), "is given more than once");
    }
    AppError::invalid(path, plain(message))
}

/// serde_json appends " at line 1 column 42", which helps no API user.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

mod messages;
#[cfg(test)]
mod tests;
