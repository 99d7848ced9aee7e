//! The body and query readers: whole values, repeated keys, field names,
//! messages in JSON's words; and, for any bytes at all, a 4xx and no panic.

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use super::messages::names_rust_type;
use super::*;
use crate::domain::{OnBreach, Window};

/// Only whether it parses matters, so its fields are never read.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    reason: String,
    count: Option<u32>,
    on_breach: Option<OnBreach>,
    windows: Option<Vec<Window>>,
}

fn error(result: Result<impl std::fmt::Debug, AppError>) -> (u16, Value) {
    let err = result.expect_err("should be refused");
    let status = err.status_code().as_u16();
    let body = match err {
        AppError::Invalid(e) => serde_json::json!({"field": e.field, "message": e.message}),
        AppError::Malformed(m) => serde_json::json!({"message": m}),
        other => serde_json::json!({"message": other.to_string()}),
    };
    (status, body)
}

#[test]
fn anything_after_the_json_value_is_malformed() {
    for body in [
        r#"{"reason":"x"} xyz"#,
        r#"{"reason":"x"}{}"#,
        r#"{"reason":"x"} 1"#,
    ] {
        let (status, _) = error(parse_json::<Body>(body.as_bytes()));
        assert_eq!(status, 400, "{body}");
    }
    assert!(parse_json::<Body>(b" {\"reason\":\"x\"} \n").is_ok());
}

#[test]
fn a_body_that_is_not_an_object_is_refused_whatever_the_type_would_accept() {
    for body in [r#"["x", 1, null, null]"#, r#""x""#, "1", "null", "true"] {
        let (status, err) = error(parse_json::<Body>(body.as_bytes()));
        assert_eq!(
            (status, err["field"].as_str()),
            (422, Some("body")),
            "{body}"
        );
    }
    // Even a type that would take a list from JSON.
    let (status, _) = error(parse_json::<Vec<String>>(br#"["a"]"#));
    assert_eq!(status, 422);
}

#[test]
fn a_key_given_twice_is_refused_at_any_depth() {
    for (body, field) in [
        (r#"{"reason":"a","reason":"b"}"#, "reason"),
        (
            r#"{"reason":"a","on_breach":{"action":"divert","prompt":"p","prompt":"q"}}"#,
            "on_breach.prompt",
        ),
        (
            r#"{"reason":"a","windows":[{"days":["mon"],"from":"10:00","from":"11:00","to":"12:00"}]}"#,
            "windows[0].from",
        ),
    ] {
        let (status, err) = error(parse_json::<Body>(body.as_bytes()));
        assert_eq!(
            (status, err["field"].as_str()),
            (422, Some(field)),
            "{body}"
        );
    }
    // A map accepts any key, so only the reader can see the repeat.
    let (status, err) = error(parse_json::<Map<String, Value>>(br#"{"a":1,"a":2}"#));
    assert_eq!((status, err["field"].as_str()), (422, Some("a")));
}

#[test]
fn messages_use_json_words_not_rust_types() {
    for (body, field, message) in [
        (
            r#"{"reason":"a","on_breach":5}"#,
            "on_breach",
            "must be an object, not 5",
        ),
        (
            r#"{"reason":"a","count":-1}"#,
            "count",
            "must be a whole number from 0 to 4294967295, not -1",
        ),
        (
            r#"{"reason":"a","windows":{}}"#,
            "windows",
            "must be a list, not an object",
        ),
        (
            r#"{"reason":["a"]}"#,
            "reason",
            "must be a string, not a list",
        ),
        (
            r#"{"reason":"a","on_breach":{"action":7,"prompt":"p"}}"#,
            "on_breach.action",
            "",
        ),
    ] {
        let (status, err) = error(parse_json::<Body>(body.as_bytes()));
        let text = err["message"].as_str().unwrap();
        assert_eq!(
            (status, err["field"].as_str()),
            (422, Some(field)),
            "{body}"
        );
        if !message.is_empty() {
            assert_eq!(text, message, "{body}");
        }
        assert!(!names_rust_type(text), "{body}: {text}");
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    limit: Option<u32>,
    before_id: Option<i64>,
}

#[test]
fn a_query_names_the_field_that_does_not_read() {
    for (query, field) in [
        ("limit=abc", "limit"),
        ("before_id=1x", "before_id"),
        ("limit=-1", "limit"),
        ("limit=1&limit=2", "limit"),
        ("colour=red", "colour"),
    ] {
        let (status, err) = error(parse_form::<Query>(query.as_bytes()));
        assert_eq!(
            (status, err["field"].as_str()),
            (422, Some(field)),
            "{query}"
        );
        let text = err["message"].as_str().unwrap();
        assert!(!names_rust_type(text), "{query}: {text}");
    }
    let q: Query = parse_form(b"limit=5&before_id=9").unwrap();
    assert_eq!((q.limit, q.before_id), (Some(5), Some(9)));
}

#[test]
fn rust_type_names_are_recognised() {
    for rusty in [
        "expected struct OnBreach",
        "u32",
        "enum Channel",
        "OnBreach",
    ] {
        assert!(names_rust_type(rusty), "{rusty}");
    }
    for plain in [
        "must be a date (YYYY-MM-DD)",
        "must be at most 14",
        "RFC 3339",
    ] {
        assert!(!names_rust_type(plain), "{plain}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_as_a_json_body_are_refused_with_a_4xx_or_read(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Err(err) = parse_json::<Body>(&bytes) {
            prop_assert!(err.status_code().is_client_error());
        }
        if let Err(err) = parse_json::<Map<String, Value>>(&bytes) {
            prop_assert!(err.status_code().is_client_error());
        }
    }

    #[test]
    fn any_json_text_is_refused_with_a_4xx_or_read(text in r#"[\[\]{}",:0-9a-z_ \\\-.eE]{0,80}"#) {
        if let Err(err) = parse_json::<Body>(text.as_bytes()) {
            prop_assert!(err.status_code().is_client_error());
            if let AppError::Invalid(e) = err {
                prop_assert!(!names_rust_type(&e.message), "{}", e.message);
            }
        }
    }

    #[test]
    fn any_query_string_is_refused_with_a_4xx_or_read(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        if let Err(err) = parse_form::<Query>(&bytes) {
            prop_assert!(err.status_code().is_client_error());
        }
    }
}
