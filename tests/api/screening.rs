//! Screening end to end: the PBX's request, the decision, the record.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn caller_over_agreed_frequency_is_diverted() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let limit = app
        .measure(
            ann,
            json!({"kind": "frequency_limit", "max_contacts": 2, "per": "day"}),
        )
        .await;

    let actions: Vec<_> = [
        app.screen("07700900123", "call-1").await,
        app.screen("+44 7700 900123", "call-2").await,
        app.screen("0044 7700 900123", "call-3").await,
    ]
    .iter()
    .map(|a| a["action"].as_str().unwrap().to_owned())
    .collect();
    assert_eq!(actions, ["route", "route", "divert"]);

    let third = app.screen("447700900123", "call-3").await;
    assert_eq!(third["reason"], "frequency_limit");
    assert_eq!(third["target"], "voicemail");
    assert_eq!(third["rules"][0]["measure_id"], limit["id"]);
    assert_eq!(
        app.history(ann).await.len(),
        3,
        "every call is recorded once"
    );
}

#[tokio::test]
async fn a_retried_call_gets_the_first_answer_and_is_counted_once() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.measure(
        ann,
        json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
    )
    .await;

    let first = app.screen("07700 900123", "retry-1").await;
    let again = futures_join(&app, "retry-1", 8).await;
    assert_eq!(first["action"], "route");
    assert!(
        again.iter().all(|a| a == &first),
        "retries differ: {again:?}"
    );
    assert_eq!(app.history(ann).await.len(), 1);

    // A new call id is a new call: the limit of one is reached.
    assert_eq!(
        app.screen("07700 900123", "retry-2").await["action"],
        "divert"
    );
}

async fn futures_join(app: &TestApp, call_id: &str, n: usize) -> Vec<serde_json::Value> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let client = app.client.clone();
        let url = format!("{}/v1/screen", app.base);
        let key = app.keys["pbx"].clone();
        let call_id = call_id.to_owned();
        handles.push(tokio::spawn(async move {
            client
                .get(url)
                .query(&[("caller", "07700 900123"), ("call_id", call_id.as_str())])
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn concurrent_first_requests_for_one_call_id_agree_and_record_one_contact() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let answers = futures_join(&app, "race-1", 16).await;
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(app.history(ann).await.len(), 1);
}

#[tokio::test]
async fn the_form_answer_is_one_percent_encoded_line_for_asterisk() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.measure(
        ann,
        json!({"kind": "single_point_of_contact", "target": "Alex.Smith+2001@desk"}),
    )
    .await;
    let resp = app
        .client
        .get(format!(
            "{}/v1/screen?caller=07700900123&call_id=f-1&dialed=100",
            app.base
        ))
        .header("Accept", "application/x-www-form-urlencoded")
        .bearer_auth(&app.keys["pbx"])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    let line = resp.text().await.unwrap();
    assert_eq!(
        line,
        "action=route&target=Alex.Smith%2B2001%40desk&prompt=&reason=single_point_of_contact&call_id=f-1&rules=single_point_of_contact&next_allowed_at=&next_allowed_epoch="
    );
    let via_param = app
        .client
        .get(format!(
            "{}/v1/screen?caller=07700900123&call_id=f-1&format=form",
            app.base
        ))
        .bearer_auth(&app.keys["pbx"])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(via_param, line);
}

#[tokio::test]
async fn screening_accepts_a_post_form_and_a_post_json_body() {
    let app = spawn_app().await;
    let url = format!("{}/v1/screen", app.base);
    let form = app
        .client
        .post(&url)
        .bearer_auth(&app.keys["pbx"])
        .form(&[
            ("caller", "07700 900555"),
            ("call_id", "p-1"),
            ("dialed", "100"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    assert_eq!(
        form.json::<serde_json::Value>().await.unwrap()["action"],
        "route"
    );
    let (status, body) = app
        .post(
            "/v1/screen",
            "pbx",
            json!({"caller": "", "call_id": "p-2", "urgent": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["reason"], "urgent");
}

#[tokio::test]
async fn withheld_callers_are_routed_by_default_and_diverted_when_configured() {
    let app = spawn_app().await;
    for marker in ["", "anonymous", "Restricted", "UNAVAILABLE"] {
        let answer = app.screen(marker, &format!("w-{marker}")).await;
        assert_eq!(
            (answer["action"].as_str(), answer["reason"].as_str()),
            (Some("route"), Some("withheld"))
        );
    }
    let strict = spawn_app_with(&[("FAIRLINE_WITHHELD_ACTION", "divert")]).await;
    assert_eq!(strict.screen("anonymous", "w-1").await["action"], "divert");
}

#[tokio::test]
async fn an_urgent_caller_is_routed_despite_a_block() {
    let app = spawn_app().await;
    let ann = app.blocked_person("Ann", "07700 900123").await;
    assert_eq!(app.screen("07700 900123", "b-1").await["action"], "block");
    let urgent = app
        .screen_with(&[
            ("caller", "07700 900123"),
            ("call_id", "b-2"),
            ("urgent", "1"),
        ])
        .await;
    assert_eq!(
        (urgent["action"].as_str(), urgent["reason"].as_str()),
        (Some("route"), Some("urgent"))
    );
    let history = app.history(ann).await;
    assert_eq!(
        history[0]["urgent"], true,
        "the urgent call is marked for review"
    );
}

#[tokio::test]
async fn number_rules_block_a_range_and_allow_a_partner_inside_it() {
    let app = spawn_app().await;
    let rule = |number: &str, m: &str, action: &str| json!({"number": number, "match": m, "action": action, "reason": "test"});
    let (status, _) = app
        .post(
            "/v1/number-rules",
            "supervisor",
            rule("07700 900", "prefix", "block"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.screen("07700 900111", "r-1").await["action"], "block");
    app.post(
        "/v1/number-rules",
        "supervisor",
        rule("+447700900222", "exact", "allow"),
    )
    .await;
    assert_eq!(
        app.screen("07700 900222", "r-2").await["reason"],
        "allow_rule"
    );
    assert_eq!(app.screen("07700 800111", "r-3").await["action"], "route");
}

/// Screening keeps rules and callers' records in memory between calls;
/// each supervisor change must still decide the very next call.
#[tokio::test]
async fn every_change_a_supervisor_makes_decides_the_very_next_call() {
    let app = spawn_app().await;
    let reason = |answer: Value| answer["reason"].as_str().unwrap().to_owned();
    assert_eq!(reason(app.screen("07700 900123", "n-1").await), "default");

    let ann = app.person("Ann", "07700 900123").await;
    let measure = app
        .measure(ann, json!({"kind": "open_enquiries_only"}))
        .await;
    assert_eq!(
        reason(app.screen("07700 900123", "n-2").await),
        "no_open_enquiry"
    );

    let enquiry = app.enquiry(ann, "ENQ-7", "EHCP annual review").await;
    assert_eq!(reason(app.screen("07700 900123", "n-3").await), "default");

    let (status, rule) = app
        .post(
            "/v1/number-rules",
            "supervisor",
            json!({"number": "07700 900", "match": "prefix", "action": "block", "reason": "test"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        reason(app.screen("07700 900123", "n-4").await),
        "block_rule"
    );

    // Lift the rule, end the measure, close the enquiry.
    for (method, path, body) in [
        (
            Method::DELETE,
            format!("/v1/number-rules/{}", rule["id"]),
            None,
        ),
        (
            Method::POST,
            format!("/v1/measures/{}/end", measure["id"]),
            Some(json!({"reason": "reviewed: no longer needed"})),
        ),
        (
            Method::PATCH,
            format!("/v1/enquiries/{}", enquiry["id"]),
            Some(json!({"status": "closed"})),
        ),
    ] {
        let (status, body) = app.call(method, &path, "supervisor", body).await;
        assert!(status.is_success(), "{path}: {status} {body}");
    }
    app.measure(ann, json!({"kind": "new_issues_only"})).await;
    let about_the_closed_enquiry = app
        .screen_with(&[
            ("caller", "07700 900123"),
            ("call_id", "n-5"),
            ("enquiry", "ENQ-7"),
        ])
        .await;
    assert_eq!(
        reason(about_the_closed_enquiry),
        "closed_enquiry",
        "the rule is gone, the old measure ended, the enquiry closed"
    );
}

#[tokio::test]
async fn emails_count_towards_a_limit_on_all_channels() {
    let app = spawn_app().await;
    let (_, person) = app
        .post(
            "/v1/people",
            "supervisor",
            json!({"name": "Bo", "phones": ["07700 900321"], "emails": ["bo@example.org"]}),
        )
        .await;
    let id = person["id"].as_i64().unwrap();
    app.measure(
        id,
        json!({"kind": "frequency_limit", "max_contacts": 2, "per": "week", "channels": "all"}),
    )
    .await;
    for _ in 0..2 {
        let (status, body) = app
            .post(
                "/v1/contacts",
                "advisor",
                json!({"channel": "email", "email": "Bo@Example.org"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["person_id"], id);
    }
    assert_eq!(app.screen("07700 900321", "e-1").await["action"], "divert");
}

#[tokio::test]
async fn the_outcome_of_a_call_is_added_to_its_record() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let enquiry = app.enquiry(ann, "ENQ-1", "EHCP").await;
    app.screen("07700 900123", "o-1").await;
    let (status, _) = app
        .post(
            "/v1/calls/o-1/outcome",
            "pbx",
            json!({"advisor": "alex", "enquiry": "ENQ-1", "answered": true, "duration_s": 300}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let history = app.history(ann).await;
    assert_eq!(
        (
            history[0]["advisor"].as_str(),
            history[0]["duration_s"].as_i64()
        ),
        (Some("alex"), Some(300))
    );
    assert_eq!(history[0]["enquiry_id"], enquiry["id"]);
    let (status, body) = app
        .post(
            "/v1/calls/no-such-call/outcome",
            "pbx",
            json!({"answered": false}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

#[tokio::test]
async fn a_closed_enquiry_is_diverted_under_new_issues_only() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let enquiry = app.enquiry(ann, "ENQ-7", "transport").await;
    app.measure(ann, json!({"kind": "new_issues_only"})).await;
    let about = |id: &'static str| {
        [
            ("caller", "07700 900123"),
            ("call_id", id),
            ("enquiry", "ENQ-7"),
        ]
    };
    assert_eq!(app.screen_with(&about("n-1")).await["action"], "route");
    let (status, _) = app
        .patch(
            &format!("/v1/enquiries/{}", enquiry["id"]),
            "supervisor",
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let answer = app.screen_with(&about("n-2")).await;
    assert_eq!(
        (answer["action"].as_str(), answer["reason"].as_str()),
        (Some("divert"), Some("closed_enquiry"))
    );
    assert_eq!(
        app.screen("07700 900123", "n-3").await["action"],
        "route",
        "a new issue gets through"
    );
}

#[tokio::test]
async fn bad_screening_requests_name_the_field_and_record_nothing() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    for (query, field) in [
        ("caller=07700900123", "call_id"),
        ("caller=07700900123&call_id=", "call_id"),
        ("call_id=x-1", "caller"),
        ("caller=not-a-number&call_id=x-2", "caller"),
        ("caller=07700900123&call_id=x-3&urgent=maybe", "urgent"),
        ("caller=07700900123&call_id=x-4&format=xml", "format"),
    ] {
        let resp = app
            .client
            .get(format!("{}/v1/screen?{query}", app.base))
            .bearer_auth(&app.keys["pbx"])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["field"], field, "{query}");
        assert_eq!(body["error"]["code"], "invalid_field");
    }
    assert!(app.history(ann).await.is_empty());
}

#[tokio::test]
async fn when_storage_fails_a_well_formed_call_is_routed_with_reason_fail_open() {
    let app = spawn_app().await;
    app.blocked_person("Ann", "07700 900123").await;
    assert_eq!(app.screen("07700 900123", "s-1").await["action"], "block");

    // Another process breaks the database under the running server.
    let conn = rusqlite::Connection::open(&app.db).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    conn.execute_batch("ALTER TABLE contacts RENAME TO contacts_lost")
        .unwrap();

    let answer = app.screen("07700 900123", "s-2").await;
    assert_eq!(
        (answer["action"].as_str(), answer["reason"].as_str()),
        (Some("route"), Some("fail_open"))
    );
    assert_eq!(answer["target"], "helpline");
}
