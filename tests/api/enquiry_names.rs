//! Wherever a request names an enquiry (screening, a call's outcome,
//! another channel's contact), its reference or its id is accepted, the id
//! as a JSON number or as text.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

/// A fresh app with Ann and her open enquiry `ENQ-1`.
async fn ann_with_an_enquiry() -> (TestApp, i64, Value) {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let enquiry = app.enquiry(ann, "ENQ-1", "EHCP").await;
    (app, ann, enquiry)
}

#[tokio::test]
async fn an_outcome_names_its_enquiry_by_id_as_a_json_number() {
    let (app, ann, enquiry) = ann_with_an_enquiry().await;
    app.screen("07700 900123", "n-1").await;
    let (status, body) = app
        .post(
            "/v1/calls/n-1/outcome",
            "pbx",
            json!({"advisor": "alex", "enquiry": enquiry["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.history(ann).await[0]["enquiry_id"], enquiry["id"]);
}

#[tokio::test]
async fn a_contact_on_another_channel_names_its_enquiry_by_id_as_text_or_by_reference() {
    let (app, _, enquiry) = ann_with_an_enquiry().await;
    let id_text = enquiry["id"].as_i64().unwrap().to_string();
    for named in [json!(id_text), json!("ENQ-1"), enquiry["id"].clone()] {
        let (status, body) = app
            .post(
                "/v1/contacts",
                "advisor",
                json!({"channel": "email", "phone": "07700 900123", "enquiry": named}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{named}: {body}");
        assert_eq!(body["enquiry_id"], enquiry["id"], "{named}");
    }
}

#[tokio::test]
async fn screening_by_json_takes_the_enquiry_id_as_a_number() {
    let (app, ann, enquiry) = ann_with_an_enquiry().await;
    let (status, body) = app
        .post(
            "/v1/screen",
            "pbx",
            json!({"caller": "07700 900123", "dialed": "0800", "call_id": "n-2",
                   "enquiry": enquiry["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.history(ann).await[0]["enquiry_id"], enquiry["id"]);
}

#[tokio::test]
async fn an_enquiry_named_by_something_else_is_refused_naming_the_field() {
    let app = spawn_app().await;
    app.person("Ann", "07700 900123").await;
    for named in [json!(true), json!(["ENQ-1"]), json!(9999)] {
        let (status, body) = app
            .post(
                "/v1/contacts",
                "advisor",
                json!({"channel": "email", "phone": "07700 900123", "enquiry": named}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{named}: {body}");
        assert_eq!(body["error"]["field"], "enquiry", "{named}: {body}");
    }
}
