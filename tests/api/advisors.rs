//! The advisors directory and routing to advisors against the real server:
//! the directory's changes, checks, roles and audit; a call about an open
//! enquiry reaching its advisor over every face; what comes first.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::agi::{agi_app, agi_call, environment};
use crate::helpers::*;

const ANN: &str = "07700 900123";

fn assert_refused(status: StatusCode, body: &Value, field: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_field", "{body}");
    assert_eq!(body["error"]["field"], field, "{body}");
}

/// Adds an advisor to the directory; returns them as the API answered.
async fn advisor(app: &TestApp, name: &str, target: Option<&str>) -> Value {
    let (status, body) = app
        .post(
            "/v1/advisors",
            "supervisor",
            json!({"name": name, "target": target}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// Ann, with ENQ-1 open and assigned to `advisor`.
async fn ann_with_enquiry(app: &TestApp, advisor: &str) -> (i64, Value) {
    let ann = app.person("Ann", ANN).await;
    let (status, enquiry) = app
        .post(
            &format!("/v1/people/{ann}/enquiries"),
            "supervisor",
            json!({"reference": "ENQ-1", "topic": "EHCP review", "advisor": advisor}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{enquiry}");
    (ann, enquiry)
}

fn settled(answer: &Value) -> (&str, &str, &str) {
    (
        answer["action"].as_str().unwrap(),
        answer["target"].as_str().unwrap(),
        answer["reason"].as_str().unwrap(),
    )
}

fn rules_named(answer: &Value) -> Vec<&str> {
    answer["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect()
}

async fn audit_actions(app: &TestApp) -> Vec<(String, i64)> {
    let (_, body) = app.get("/v1/audit?limit=1000", "admin").await;
    body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "advisor")
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["entity_id"].as_i64().unwrap(),
            )
        })
        .rev()
        .collect()
}

#[tokio::test]
async fn a_supervisor_keeps_the_directory_and_every_change_is_audited() {
    let app = spawn_app().await;
    let alex = advisor(&app, "Alex", Some("2001")).await;
    let jo = advisor(&app, " Jo ", None).await;
    assert_eq!(alex["target"], "2001");
    assert_eq!(jo["name"], "Jo", "trimmed");
    assert_eq!(jo["target"], Value::Null);
    let (alex_id, jo_id) = (alex["id"].as_i64().unwrap(), jo["id"].as_i64().unwrap());
    let one = format!("/v1/advisors/{alex_id}");

    let (status, renamed) = app
        .patch(&one, "supervisor", json!({"name": "Alex Smith"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(
        (&renamed["name"], &renamed["target"]),
        (&json!("Alex Smith"), &json!("2001"))
    );
    let (_, cleared) = app.patch(&one, "supervisor", json!({"target": null})).await;
    assert_eq!(cleared["target"], Value::Null);
    assert_eq!(cleared["name"], "Alex Smith", "a field not given is kept");

    let (status, retired) = app
        .post(
            &format!("/v1/advisors/{jo_id}/retire"),
            "supervisor",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{retired}");
    assert!(retired["retired_at"].is_string(), "{retired}");
    let names = |body: &Value| -> Vec<String> {
        body["advisors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, listed) = app.get("/v1/advisors", "supervisor").await;
    assert_eq!(names(&listed), ["Alex Smith"]);
    let (_, all) = app
        .get("/v1/advisors?include_retired=true", "supervisor")
        .await;
    assert_eq!(names(&all), ["Alex Smith", "Jo"]);
    let (status, back) = app
        .post(
            &format!("/v1/advisors/{jo_id}/reinstate"),
            "supervisor",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(back["retired_at"], Value::Null);

    assert_eq!(
        audit_actions(&app).await,
        [
            ("advisor.create".to_owned(), alex_id),
            ("advisor.create".to_owned(), jo_id),
            ("advisor.update".to_owned(), alex_id),
            ("advisor.update".to_owned(), alex_id),
            ("advisor.retire".to_owned(), jo_id),
            ("advisor.reinstate".to_owned(), jo_id),
        ]
    );
}

#[tokio::test]
async fn bad_directory_input_is_refused_naming_the_field_and_changes_nothing() {
    let app = spawn_app().await;
    let alex = advisor(&app, "Alex", Some("2001")).await;
    let one = format!("/v1/advisors/{}", alex["id"]);
    let audited = app.audit_len().await;
    for (body, field) in [
        (json!({"name": "Sam", "target": "sam,2002"}), "target"),
        (json!({"name": "Sam", "target": "Sam Smith"}), "target"),
        (json!({"name": "Sam", "target": ""}), "target"),
        (json!({"name": ""}), "name"),
        (json!({"name": "Sam\nSmith"}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": "Sam", "desk": "2"}), "desk"),
        (json!({"target": "2002"}), "name"),
    ] {
        let (status, error) = app.post("/v1/advisors", "supervisor", body).await;
        assert_refused(status, &error, field);
    }
    for (patch, field) in [
        (json!({"target": "a b"}), "target"),
        (json!({"name": " "}), "name"),
        (json!({"retired": true}), "retired"),
    ] {
        let (status, error) = app.patch(&one, "supervisor", patch).await;
        assert_refused(status, &error, field);
    }
    let (status, error) = app.get("/v1/advisors?include_retired=yes", "advisor").await;
    assert_refused(status, &error, "include_retired");

    // One advisor per name, whatever its case.
    let (status, error) = app
        .post("/v1/advisors", "supervisor", json!({"name": "ALEX"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["error"]["field"], "name");
    let sam = advisor(&app, "Sam", None).await;
    let audited_after_sam = app.audit_len().await;
    assert_eq!(audited_after_sam, audited + 1);
    let (status, error) = app
        .patch(
            &format!("/v1/advisors/{}", sam["id"]),
            "supervisor",
            json!({"name": "alex"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    let retire = format!("{one}/retire");
    app.post(&retire, "supervisor", json!({})).await;
    let (status, error) = app.post(&retire, "supervisor", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    let (status, _) = app.get("/v1/advisors/999", "advisor").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    assert_eq!(
        app.audit_len().await,
        audited_after_sam + 1,
        "only the retirement"
    );
    let (_, alex_now) = app.get(&one, "supervisor").await;
    assert_eq!(
        (&alex_now["name"], &alex_now["target"]),
        (&json!("Alex"), &json!("2001"))
    );
}

#[tokio::test]
async fn an_advisor_key_may_read_the_directory_but_not_change_it() {
    let app = spawn_app().await;
    let alex = advisor(&app, "Alex", Some("2001")).await;
    let one = format!("/v1/advisors/{}", alex["id"]);
    let audited = app.audit_len().await;
    for role in ["advisor", "supervisor", "admin"] {
        assert_eq!(
            app.get("/v1/advisors", role).await.0,
            StatusCode::OK,
            "{role}"
        );
        assert_eq!(app.get(&one, role).await.0, StatusCode::OK, "{role}");
    }
    assert_eq!(
        app.get("/v1/advisors", "pbx").await.0,
        StatusCode::FORBIDDEN
    );
    for role in ["pbx", "advisor"] {
        let attempts = [
            (
                Method::POST,
                "/v1/advisors".to_owned(),
                json!({"name": "Sam"}),
            ),
            (Method::PATCH, one.clone(), json!({"target": "2002"})),
            (Method::POST, format!("{one}/retire"), json!({})),
            (Method::POST, format!("{one}/reinstate"), json!({})),
        ];
        for (method, path, body) in attempts {
            let (status, _) = app.call(method.clone(), &path, role, Some(body)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {method} {path}");
        }
    }
    let (status, _) = app
        .post("/v1/advisors", "admin", json!({"name": "Sam"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.audit_len().await, audited + 1);
}

#[tokio::test]
async fn an_enquiry_names_only_an_advisor_in_the_directory_who_is_not_retired() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    let jo = advisor(&app, "Jo", Some("2002")).await;
    app.post(
        &format!("/v1/advisors/{}/retire", jo["id"]),
        "supervisor",
        json!({}),
    )
    .await;
    advisor(&app, "Alex", Some("2001")).await;
    let enquiries = format!("/v1/people/{ann}/enquiries");
    let audited = app.audit_len().await;
    for advisor in ["Nobody", "Jo", "Al\u{7}ex"] {
        let (status, error) = app
            .post(
                &enquiries,
                "supervisor",
                json!({"topic": "EHCP", "advisor": advisor}),
            )
            .await;
        assert_refused(status, &error, "advisor");
    }
    // Written in the directory's spelling, whatever case it was given in.
    let (status, enquiry) = app
        .post(
            &enquiries,
            "supervisor",
            json!({"topic": "EHCP", "advisor": "alex"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{enquiry}");
    assert_eq!(enquiry["advisor"], "Alex");
    let path = format!("/v1/enquiries/{}", enquiry["id"]);
    for advisor in ["Nobody", "Jo"] {
        let (status, error) = app
            .patch(
                &path,
                "supervisor",
                json!({"advisor": advisor, "status": "closed"}),
            )
            .await;
        assert_refused(status, &error, "advisor");
    }
    let (_, now) = app.get(&path, "supervisor").await;
    assert_eq!(
        (&now["advisor"], &now["status"]),
        (&json!("Alex"), &json!("open"))
    );
    assert_eq!(
        app.audit_len().await,
        audited + 1,
        "only the enquiry opened"
    );
    // Clearing the advisor needs no directory.
    let (status, cleared) = app
        .patch(&path, "supervisor", json!({"advisor": null}))
        .await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert_eq!(cleared["advisor"], Value::Null);
}

#[tokio::test]
async fn a_call_about_an_open_enquiry_goes_to_its_advisor_as_json_and_as_the_form_answer() {
    let app = spawn_app().await;
    advisor(&app, "Alex", Some("Alex.Smith+2001@desk")).await;
    ann_with_enquiry(&app, "Alex").await;
    let answer = app.screen("07700900123", "a-1").await;
    assert_eq!(
        settled(&answer),
        ("route", "Alex.Smith+2001@desk", "assigned_advisor")
    );
    assert_eq!(rules_named(&answer), ["assigned_advisor"]);
    let detail = answer["rules"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("Alex") && detail.contains("ENQ-1"),
        "{detail}"
    );

    let resp = app
        .client
        .get(format!(
            "{}/v1/screen?caller=07700900123&call_id=a-2&enquiry=ENQ-1&format=form",
            app.base
        ))
        .bearer_auth(&app.keys["pbx"])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.text().await.unwrap(),
        "action=route&target=Alex.Smith%2B2001%40desk&prompt=&reason=assigned_advisor&call_id=a-2&rules=assigned_advisor&next_allowed_at=&next_allowed_epoch="
    );
}

#[tokio::test]
async fn over_fastagi_the_enquirys_advisor_is_the_target() {
    let app = agi_app().await;
    advisor(&app, "Alex", Some("2001")).await;
    ann_with_enquiry(&app, "Alex").await;
    let commands = agi_call(
        app.agi.as_ref().unwrap(),
        &environment("07700900123", "1732890000.77"),
    )
    .await;
    assert_eq!(
        commands,
        [
            "SET VARIABLE FAIRLINE_ACTION \"route\"",
            "SET VARIABLE FAIRLINE_TARGET \"2001\"",
            "SET VARIABLE FAIRLINE_PROMPT \"\"",
            "SET VARIABLE FAIRLINE_NEXT_ALLOWED \"\"",
            "SET VARIABLE FAIRLINE_INFO_URL \"\"",
            "SET VARIABLE FAIRLINE_REASON \"assigned_advisor\"",
        ]
    );
}

#[tokio::test]
async fn a_retired_or_target_less_advisor_leaves_the_next_call_on_the_default_target() {
    let app = spawn_app().await;
    let alex = advisor(&app, "Alex", Some("2001")).await;
    let one = format!("/v1/advisors/{}", alex["id"]);
    ann_with_enquiry(&app, "Alex").await;
    assert_eq!(app.screen("07700900123", "r-1").await["target"], "2001");

    app.post(&format!("{one}/retire"), "supervisor", json!({}))
        .await;
    let answer = app.screen("07700900123", "r-2").await;
    assert_eq!(settled(&answer), ("route", "helpline", "default"));
    let detail = answer["rules"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("retired"), "{detail}");

    app.post(&format!("{one}/reinstate"), "supervisor", json!({}))
        .await;
    assert_eq!(app.screen("07700900123", "r-3").await["target"], "2001");
    app.patch(&one, "supervisor", json!({"target": null})).await;
    assert_eq!(
        settled(&app.screen("07700900123", "r-4").await),
        ("route", "helpline", "default")
    );
    app.patch(&one, "supervisor", json!({"target": "2009"}))
        .await;
    assert_eq!(app.screen("07700900123", "r-5").await["target"], "2009");
}

#[tokio::test]
async fn renaming_an_advisor_keeps_their_enquiries_and_calls_with_them() {
    let app = spawn_app().await;
    let alex = advisor(&app, "Alex", Some("2001")).await;
    let (_, enquiry) = ann_with_enquiry(&app, "Alex").await;
    let (status, _) = app
        .patch(
            &format!("/v1/advisors/{}", alex["id"]),
            "supervisor",
            json!({"name": "Alex Smith"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, now) = app
        .get(&format!("/v1/enquiries/{}", enquiry["id"]), "supervisor")
        .await;
    assert_eq!(now["advisor"], "Alex Smith");
    let answer = app.screen("07700900123", "n-1").await;
    assert_eq!(settled(&answer), ("route", "2001", "assigned_advisor"));
}

#[tokio::test]
async fn a_single_point_of_contact_wins_over_the_enquirys_advisor() {
    let app = spawn_app().await;
    advisor(&app, "Alex", Some("2001")).await;
    let (ann, _) = ann_with_enquiry(&app, "Alex").await;
    app.measure(
        ann,
        json!({"kind": "single_point_of_contact", "target": "3001"}),
    )
    .await;
    let answer = app.screen("07700900123", "s-1").await;
    assert_eq!(
        settled(&answer),
        ("route", "3001", "single_point_of_contact")
    );
    assert!(
        !rules_named(&answer).contains(&"assigned_advisor"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_single_point_of_contact_naming_an_advisor_follows_their_target_at_once() {
    let app = spawn_app().await;
    let sam = advisor(&app, "Sam", Some("3001")).await;
    let one = format!("/v1/advisors/{}", sam["id"]);
    let ann = app.person("Ann", ANN).await;
    let measure = app
        .measure(
            ann,
            json!({"kind": "single_point_of_contact", "advisor": "sam"}),
        )
        .await;
    assert_eq!(measure["advisor"], "Sam", "the directory's spelling");
    assert!(measure.get("target").is_none(), "{measure}");
    let call = |id: &'static str| app.screen("07700900123", id);
    assert_eq!(
        settled(&call("p-1").await),
        ("route", "3001", "single_point_of_contact")
    );

    // Each change decides the very next call (the caller cache sees it).
    app.patch(&one, "supervisor", json!({"target": "3002"}))
        .await;
    assert_eq!(call("p-2").await["target"], "3002");
    app.patch(&one, "supervisor", json!({"name": "Sam Jones"}))
        .await;
    let (_, renamed) = app
        .get(&format!("/v1/measures/{}", measure["id"]), "supervisor")
        .await;
    assert_eq!(renamed["advisor"], "Sam Jones");
    assert_eq!(call("p-3").await["target"], "3002");

    // Sam retired: the agreed measure still decides, on the default target.
    app.post(&format!("{one}/retire"), "supervisor", json!({}))
        .await;
    let answer = call("p-4").await;
    assert_eq!(
        settled(&answer),
        ("route", "helpline", "single_point_of_contact")
    );
    let detail = answer["rules"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("retired") && detail.contains("default target"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_single_point_of_contact_names_one_advisor_in_the_directory_or_a_target() {
    let app = spawn_app().await;
    let jo = advisor(&app, "Jo", Some("2002")).await;
    app.post(
        &format!("/v1/advisors/{}/retire", jo["id"]),
        "supervisor",
        json!({}),
    )
    .await;
    advisor(&app, "Sam", Some("3001")).await;
    let ann = app.person("Ann", ANN).await;
    let measures = format!("/v1/people/{ann}/measures");
    let audited = app.audit_len().await;
    for (fields, field) in [
        (json!({"advisor": "Nobody"}), "advisor"),
        (json!({"advisor": "Jo"}), "advisor"),
        (json!({"advisor": "Sam", "target": "3001"}), "target"),
        (json!({}), "advisor"),
    ] {
        let mut body = json!({"kind": "single_point_of_contact"});
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        let (status, error) = app.post(&measures, "supervisor", measure_body(body)).await;
        assert_refused(status, &error, field);
    }
    assert_eq!(app.audit_len().await, audited, "nothing recorded");

    // A change giving one of the two replaces the other.
    let measure = app
        .measure(
            ann,
            json!({"kind": "single_point_of_contact", "advisor": "Sam"}),
        )
        .await;
    let path = format!("/v1/measures/{}", measure["id"]);
    let (status, own) = app
        .patch(&path, "supervisor", json!({"target": "4001"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!((own.get("advisor"), &own["target"]), (None, &json!("4001")));
    assert_eq!(app.screen("07700900123", "v-1").await["target"], "4001");
    let (status, error) = app
        .patch(&path, "supervisor", json!({"advisor": "Jo"}))
        .await;
    assert_refused(status, &error, "advisor");
    let (status, named) = app
        .patch(&path, "supervisor", json!({"advisor": "Sam"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{named}");
    assert_eq!(app.screen("07700900123", "v-2").await["target"], "3001");
}
