//! Property tests of the parsers at the edge: whatever text arrives, each
//! one answers a value or an error, never a panic, and what it accepts is
//! what the record can hold.

use chrono::Datelike;
use proptest::prelude::*;

use super::*;

fn gb() -> Region {
    Region::parse("GB").unwrap()
}

/// Any text, and text made of the characters numbers are written with,
/// which reaches deeper into the phone library than random text does.
fn texts() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 +()\\-.]{0,40}",
        "\\+?[0-9]{0,20}",
        "[0-9a-zA-Z@.<>\"\\[\\]\\-+_ \\x00-\\x1f]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn phone_numbers_parse_or_refuse(text in texts()) {
        if let Ok(number) = PhoneNumber::parse(&text, gb()) {
            prop_assert!(number.as_str().starts_with('+'));
            prop_assert!(number.as_str()[1..].chars().all(|c| c.is_ascii_digit()));
            // A country code of up to 3 digits and a national number of up
            // to 17, the phone library's bound (longer than E.164's 15 for
            // the few countries whose national numbers run that long).
            prop_assert!(number.as_str().len() <= 21);
            let _ = number.redacted();
        }
        let _ = CallerId::parse(&text, gb());
    }

    #[test]
    fn number_patterns_parse_or_refuse(text in texts()) {
        for kind in [MatchKind::Exact, MatchKind::Prefix] {
            if let Ok(pattern) = NumberPattern::parse(&text, kind, gb()) {
                prop_assert!(pattern.as_str().starts_with('+'));
                prop_assert!(pattern.as_str()[1..].chars().all(|c| c.is_ascii_digit()));
            }
        }
    }

    #[test]
    fn emails_parse_or_refuse(text in texts()) {
        if let Ok(email) = Email::parse(&text) {
            let value = email.as_str();
            prop_assert!(value.contains('@'));
            prop_assert!(!value.chars().any(|c| c.is_control() || c.is_whitespace()));
            prop_assert!(!value.contains('<') && !value.contains('>'));
        }
    }

    #[test]
    fn call_ids_parse_or_refuse(text in texts()) {
        if let Ok(id) = CallId::parse(&text) {
            prop_assert!(id.as_str().chars().all(|c| c.is_ascii_graphic()));
        }
    }

    #[test]
    fn dates_are_in_range_or_refused(
        text in prop_oneof![
            texts(),
            "[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})",
        ]
    ) {
        if let Ok(date) = Date::parse(&text) {
            prop_assert!((2000..=2100).contains(&date.get().year()));
            prop_assert_eq!(date.to_string(), text.clone());
        }
        if let Ok(at) = Moment::parse(&text) {
            prop_assert!((2000..=2100).contains(&at.get().year()));
        }
    }

    /// A window from any JSON the API could be sent: read or refused, and
    /// if read, its checks never panic.
    #[test]
    fn windows_from_any_json_read_or_refuse(json in json_values()) {
        let body = serde_json::json!({"kind": "contact_windows", "windows": [json]});
        if let Ok(kind) = serde_json::from_value::<MeasureKind>(body) {
            let _ = kind.validate();
        }
    }
}

/// Arbitrary JSON values, with the shapes a window or a date could take
/// mixed in so the generator reaches past the first type check.
pub fn json_values() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value};
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        texts().prop_map(Value::String),
        "(mon|tue|sun|[a-z]{0,4})".prop_map(Value::String),
        "([0-2][0-9]|24):[0-5][0-9]".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            (
                proptest::collection::vec(inner.clone(), 0..8),
                inner.clone(),
                inner
            )
                .prop_map(|(days, from, to)| json!({"days": days, "from": from, "to": to})),
        ]
    })
}
