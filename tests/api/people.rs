//! The supervisor API: people, identities, measures, audit, bad input.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn one_number_written_four_ways_belongs_to_one_person() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    for form in ["+44 7700 900123", "0044 7700 900123", "447700900123"] {
        let (status, found) = app
            .get(
                &format!("/v1/people?phone={}", urlencode(form)),
                "supervisor",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(found["people"][0]["id"], ann, "{form}");
        let (status, body) = app
            .post(
                "/v1/people",
                "supervisor",
                json!({"name": "Other", "phones": [form]}),
            )
            .await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (StatusCode::CONFLICT, Some("phone")),
            "{form}"
        );
    }
    let (_, all) = app.get("/v1/people?q=", "supervisor").await;
    assert!(all["error"].is_object(), "an empty search is refused");
    let (_, others) = app.get("/v1/people?q=Other", "supervisor").await;
    assert_eq!(
        others["people"],
        json!([]),
        "a refused create leaves nothing behind"
    );
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(' ', "%20")
}

#[tokio::test]
async fn a_person_page_shows_identities_enquiries_and_measures() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "020 7946 0123").await;
    let (status, identity) = app
        .post(
            &format!("/v1/people/{ann}/identities"),
            "supervisor",
            json!({"email": "Ann@Example.org"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // An enquiry's advisor is one in the directory.
    app.post("/v1/advisors", "supervisor", json!({"name": "alex"}))
        .await;
    let (status, _) = app
        .post(
            &format!("/v1/people/{ann}/enquiries"),
            "supervisor",
            json!({"topic": "EHCP", "advisor": "alex"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let measure = app
        .measure(ann, json!({"kind": "open_enquiries_only"}))
        .await;
    let (_, page) = app.get(&format!("/v1/people/{ann}"), "supervisor").await;
    let values: Vec<&str> = page["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["+442079460123", "ann@example.org"]);
    assert_eq!(page["enquiries"][0]["status"], "open");
    assert_eq!(page["measures"][0]["id"], measure["id"]);
    assert_eq!(page["measures"][0]["status"], "in_force");

    let (status, _) = app
        .call(
            reqwest::Method::DELETE,
            &format!("/v1/identities/{}", identity["id"]),
            "supervisor",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, page) = app.get(&format!("/v1/people/{ann}"), "supervisor").await;
    assert_eq!(page["identities"].as_array().unwrap().len(), 1);
    let (status, page) = app
        .patch(
            &format!("/v1/people/{ann}"),
            "supervisor",
            json!({"reference": "CASE-9"}),
        )
        .await;
    assert_eq!(
        (status, page["reference"].as_str(), page["name"].as_str()),
        (StatusCode::OK, Some("CASE-9"), Some("Ann"))
    );
}

#[tokio::test]
async fn a_measure_without_written_notice_is_recorded_but_not_enforced() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let measure = app
        .measure(
            ann,
            json!({"kind": "open_enquiries_only", "notified_on": null}),
        )
        .await;
    assert_eq!(measure["status"], "the person has not been told in writing");
    let answer = app.screen("07700 900123", "u-1").await;
    assert_eq!(
        (
            answer["action"].as_str(),
            answer["rules"][0]["rule"].as_str()
        ),
        (Some("route"), Some("not_in_force"))
    );
}

#[tokio::test]
async fn measures_are_amended_and_ended_but_never_deleted() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let m = app
        .measure(
            ann,
            json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
        )
        .await;
    let path = format!("/v1/measures/{}", m["id"]);
    let (status, amended) = app
        .patch(&path, "supervisor", json!({"max_contacts": 3}))
        .await;
    assert_eq!(
        (status, amended["max_contacts"].as_i64()),
        (StatusCode::OK, Some(3))
    );
    let (status, body) = app.patch(&path, "supervisor", json!({"windows": []})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("windows"))
    );

    let (status, ended) = app
        .post(
            &format!("{path}/end"),
            "supervisor",
            json!({"reason": "reviewed: calls now weekly"}),
        )
        .await;
    assert_eq!(
        (status, ended["status"].as_str()),
        (StatusCode::OK, Some("ended"))
    );
    let (status, _) = app
        .post(
            &format!("{path}/end"),
            "supervisor",
            json!({"reason": "again"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, page) = app.get(&format!("/v1/people/{ann}"), "supervisor").await;
    assert_eq!(
        page["measures"][0]["ended"]["reason"],
        "reviewed: calls now weekly"
    );

    let (_, log) = app
        .get(&format!("/v1/audit?person_id={ann}"), "admin")
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "person.view",
            "measure.end",
            "measure.update",
            "measure.create",
            "person.create"
        ]
    );
    assert_eq!(log["entries"][2]["before"]["max_contacts"], 1);
    assert_eq!(log["entries"][2]["after"]["max_contacts"], 3);
    assert_eq!(log["entries"][2]["actor"], "supervisor-key");
}

#[tokio::test]
async fn a_block_needs_an_earlier_measure() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let today = chrono::Utc::now().date_naive();
    let body = json!({"kind": "block", "reason": "threats", "starts_on": today.to_string(),
                      "review_on": (today + chrono::Days::new(30)).to_string()});
    let (status, err) = app
        .post(&format!("/v1/people/{ann}/measures"), "supervisor", body)
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("resolution_not_attempted")
        )
    );
}

/// Each bad measure names its field, and none of them changes anything.
#[tokio::test]
async fn bad_measures_name_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let audit_before = app.audit_len().await;
    let base = json!({"kind": "frequency_limit", "max_contacts": 2, "per": "day", "reason": "r",
                      "starts_on": "2026-11-01", "review_on": "2027-01-01"});
    let with = |patch: Value| {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    for (body, field) in [
        (with(json!({"reason": null})), "reason"),
        (with(json!({"reason": "  "})), "reason"),
        (with(json!({"review_on": null})), "review_on"),
        (with(json!({"review_on": "2027-06-02"})), "review_on"),
        (with(json!({"review_on": "2026-10-01"})), "review_on"),
        (with(json!({"review_on": "next week"})), "review_on"),
        (with(json!({"kind": "sometimes"})), "kind"),
        (with(json!({"per": "fortnight"})), "per"),
        (with(json!({"max_contacts": 0})), "max_contacts"),
        (with(json!({"max_contacts": -1})), "max_contacts"),
        (with(json!({"advisor": "alex"})), "advisor"),
        (with(json!({"colour": "red"})), "colour"),
        (
            with(json!({"on_breach": {"action": "block", "prompt": "x"}})),
            "on_breach.action",
        ),
        (
            json!({"kind": "contact_windows", "reason": "r", "review_on": "2027-01-01", "starts_on": "2026-11-01",
                "windows": [{"days": ["tue"], "from": "12:00", "to": "10:00"}]}),
            "windows[0].to",
        ),
        (
            json!({"kind": "contact_windows", "reason": "r", "review_on": "2027-01-01", "starts_on": "2026-11-01",
                "windows": [{"days": ["someday"], "from": "10:00", "to": "12:00"}]}),
            "windows[0].days",
        ),
    ] {
        let (status, err) = app
            .post(
                &format!("/v1/people/{ann}/measures"),
                "supervisor",
                body.clone(),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert_eq!(err["error"]["field"], field, "{body}: {err}");
        assert!(!err["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(app.audit_len().await, audit_before);
    let (_, page) = app.get(&format!("/v1/people/{ann}"), "supervisor").await;
    assert_eq!(page["measures"], json!([]));
}

#[tokio::test]
async fn bodies_that_cannot_be_read_get_clear_errors() {
    let app = spawn_app().await;
    let url = format!("{}/v1/people", app.base);
    let key = &app.keys["supervisor"];
    let send = |body: String, content_type: &'static str| {
        app.client
            .post(&url)
            .bearer_auth(key)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let resp = send("{\"name\": ".into(), "application/json")
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "malformed_body"
    );
    let resp = send("name=Ann".into(), "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Its own connection: the server answers 413 without reading the body
    // and closes the connection, which a pooled client would then reuse.
    let huge = format!("{{\"name\": \"{}\"}}", "a".repeat(200_000));
    let resp = reqwest::Client::new()
        .post(&url)
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (status, err) = app
        .post(
            "/v1/people",
            "supervisor",
            json!({"name": "Ann", "phones": ["call me"]}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("phones[0]"))
    );
    let (status, _) = app.get("/v1/people/999", "supervisor").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/v1/people/abc", "supervisor").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
