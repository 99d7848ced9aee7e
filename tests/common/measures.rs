//! The terms every test measure is agreed on, for both black-box test
//! crates (tests/api and tests/asterisk include this file).

use serde_json::{json, Value};

/// A measure's body: in force since yesterday (told in writing yesterday,
/// review in two months), whatever the local date, with `fields` laid
/// over those terms.
pub fn measure_body(fields: Value) -> Value {
    let start = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    let mut body = json!({
        "reason": "agreed after repeated calls about the same issue",
        "notified_on": start.to_string(),
        "starts_on": start.to_string(),
        "review_on": (start + chrono::Days::new(60)).to_string(),
    });
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    body
}
