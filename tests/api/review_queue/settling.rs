//! Dismissing and resolving flags: a reason is required, a flag is
//! settled once, a resolution names only the person's own measure, both
//! are audited, and only supervisors and admins may.

use super::*;

/// Ann with an open urgent-call flag; answers her id and the flag's.
async fn ann_with_a_flag(app: &TestApp) -> (i64, i64) {
    let ann = app.person("Ann", ANN).await;
    urgent(app, "07700900123", "u-1").await;
    let flag = open_flags(app).await[0]["id"].as_i64().unwrap();
    (ann, flag)
}

/// The audit entries with `action`.
async fn entries(app: &TestApp, action: &str) -> Vec<Value> {
    let (_, audit) = app.get("/v1/audit?limit=1000", "admin").await;
    let all = audit["entries"].as_array().unwrap().clone();
    all.into_iter().filter(|e| e["action"] == action).collect()
}

#[tokio::test]
async fn a_dismissal_or_resolution_without_a_reason_is_refused_naming_it_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, flag) = ann_with_a_flag(&app).await;
    let audit_before = app.audit_len().await;
    let dismiss = format!("/v1/flags/{flag}/dismiss");
    let resolve = format!("/v1/flags/{flag}/resolve");
    for (path, body, field) in [
        (&dismiss, json!({}), "reason"),
        (&dismiss, json!({"reason": "  \n "}), "reason"),
        (&dismiss, json!({"reason": "x\u{7}"}), "reason"),
        (
            &dismiss,
            json!({"reason": "ok", "measure_id": 1}),
            "measure_id",
        ),
        (&resolve, json!({}), "reason"),
        (&resolve, json!({"reason": ""}), "reason"),
        (&resolve, json!({"resolution": " "}), "resolution"),
        (
            &resolve,
            json!({"reason": "a", "resolution": "b"}),
            "resolution",
        ),
        (
            &resolve,
            json!({"reason": "a", "measure_id": "one"}),
            "measure_id",
        ),
        (&resolve, json!({"reason": "x".repeat(1001)}), "reason"),
    ] {
        let (status, answer) = app.post(path, "supervisor", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    assert_eq!(app.audit_len().await, audit_before, "nothing recorded");
    assert_eq!(open_flags(&app).await[0]["status"], "open");
}

#[tokio::test]
async fn a_dismissal_is_audited_and_listed_and_a_settled_flag_cannot_be_settled_again() {
    let app = spawn_app().await;
    let (ann, flag) = ann_with_a_flag(&app).await;
    let dismiss = format!("/v1/flags/{flag}/dismiss");
    let body = json!({"reason": "a safeguarding call; passed on"});
    let (status, dismissed) = app.post(&dismiss, "supervisor", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{dismissed}");
    assert_eq!(
        (
            &dismissed["status"],
            &dismissed["settled_by"],
            &dismissed["reason"]
        ),
        (
            &json!("dismissed"),
            &json!("supervisor-key"),
            &json!("a safeguarding call; passed on")
        )
    );
    assert!(dismissed["settled_at"].is_string());
    assert!(open_flags(&app).await.is_empty());
    let (_, listed) = app.get("/v1/flags?status=dismissed", "admin").await;
    assert_eq!(listed["flags"][0]["id"], flag);
    let (_, resolved) = app.get("/v1/flags?status=resolved", "admin").await;
    assert_eq!(resolved["flags"], json!([]));

    let entry = &entries(&app, "flag.dismiss").await[0];
    assert_eq!(
        (&entry["entity_id"], &entry["person_id"], &entry["actor"]),
        (&json!(flag), &json!(ann), &json!("supervisor-key"))
    );
    assert_eq!(
        (&entry["before"]["status"], &entry["after"]["status"]),
        (&json!("open"), &json!("dismissed"))
    );
    assert!(
        entry["after"].get("person_name").is_none(),
        "no copy of the name"
    );

    let audit_before = app.audit_len().await;
    let resolve = format!("/v1/flags/{flag}/resolve");
    for (path, body) in [(&dismiss, body), (&resolve, json!({"reason": "again"}))] {
        let (status, answer) = app.post(path, "admin", body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}: {answer}");
    }
    assert_eq!(app.audit_len().await, audit_before);
    for path in ["/v1/flags/999/dismiss", "/v1/flags/999/resolve"] {
        let (status, _) = app.post(path, "admin", json!({"reason": "x"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn a_resolution_may_name_a_measure_of_the_flags_person_and_no_one_elses() {
    let app = spawn_app().await;
    let (ann, flag) = ann_with_a_flag(&app).await;
    let bob = app.person("Bob", BOB).await;
    let fields = json!({"kind": "frequency_limit", "max_contacts": 3, "per": "day"});
    let anns = app.measure(ann, fields.clone()).await["id"].clone();
    let bobs = app.measure(bob, fields).await["id"].clone();
    let resolve = format!("/v1/flags/{flag}/resolve");
    let audit_before = app.audit_len().await;
    for other in [bobs, json!(999)] {
        let body = json!({"reason": "agreed a limit", "measure_id": other});
        let (status, answer) = app.post(&resolve, "supervisor", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"]["field"], "measure_id");
    }
    assert_eq!(app.audit_len().await, audit_before, "nothing recorded");

    // `resolution`, the first API's name for the reason, still works.
    let body = json!({"resolution": "agreed a limit of three a day", "measure_id": anns});
    let (status, resolved) = app.post(&resolve, "supervisor", body).await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(
        (
            &resolved["status"],
            &resolved["reason"],
            &resolved["resolved_measure_id"]
        ),
        (
            &json!("resolved"),
            &json!("agreed a limit of three a day"),
            &anns
        )
    );
    let entry = &entries(&app, "flag.resolve").await[0];
    assert_eq!(entry["after"]["resolved_measure_id"], anns);
}

#[tokio::test]
async fn a_flag_for_an_unknown_caller_is_resolved_without_a_measure() {
    let app = spawn_app().await;
    let bob = app.person("Bob", BOB).await;
    let bobs = app
        .measure(bob, json!({"kind": "open_enquiries_only"}))
        .await["id"]
        .clone();
    urgent(&app, "07700900999", "x-1").await;
    let flag = open_flags(&app).await[0]["id"].clone();
    let resolve = format!("/v1/flags/{flag}/resolve");
    let body = json!({"reason": "r", "measure_id": bobs});
    let (status, _) = app.post(&resolve, "supervisor", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, resolved) = app
        .post(&resolve, "supervisor", json!({"reason": "called back"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resolved["person_id"], Value::Null);
}

#[tokio::test]
async fn only_supervisors_and_admins_may_dismiss_or_resolve() {
    let app = spawn_app().await;
    let (_, flag) = ann_with_a_flag(&app).await;
    for action in ["dismiss", "resolve"] {
        for role in ["pbx", "advisor"] {
            let path = format!("/v1/flags/{flag}/{action}");
            let (status, answer) = app.post(&path, role, json!({"reason": "x"})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{action} as {role}");
            assert_eq!(answer["error"]["code"], "forbidden");
        }
    }
    assert_eq!(
        open_flags(&app).await.len(),
        1,
        "a refused request changes nothing"
    );
    let (status, _) = app
        .post(
            &format!("/v1/flags/{flag}/dismiss"),
            "admin",
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}
