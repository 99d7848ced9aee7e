//! Reviewing measures: due reviews listed until reviewed, continue and
//! change moving the review date within bounds, end ending the measure as
//! the end path does, an ended measure not reviewable, all audited.

use chrono::Months;

use super::*;

async fn ann_with_a_measure(app: &TestApp) -> (i64, Value) {
    let ann = app.person("Ann", ANN).await;
    let fields = json!({"kind": "frequency_limit", "max_contacts": 2, "per": "day"});
    let measure = app.measure(ann, fields).await;
    (ann, measure)
}

fn days(n: i64) -> String {
    (Utc::now().date_naive() + Duration::days(n)).to_string()
}

fn months_ahead(months: u32) -> chrono::NaiveDate {
    Utc::now()
        .date_naive()
        .checked_add_months(Months::new(months))
        .unwrap()
}

async fn review(app: &TestApp, measure: &Value, body: Value) -> (StatusCode, Value) {
    let path = format!("/v1/measures/{}/review", measure["id"]);
    app.post(&path, "supervisor", body).await
}

#[tokio::test]
async fn a_review_is_listed_as_due_seven_days_ahead_not_eight_and_until_reviewed() {
    let app = spawn_app().await;
    let (_, measure) = ann_with_a_measure(&app).await;
    review_in(&app, &measure, 8);
    assert!(queue(&app).await.is_empty());
    review_in(&app, &measure, 7);
    let first = queue(&app).await;
    assert_eq!(first.len(), 1);
    let item = &first[0]["items"][0];
    assert_eq!(
        (&item["kind"], &item["urgency"]),
        (&json!("review_due"), &json!("soon"))
    );
    assert_eq!(item["evidence"]["measure"]["review_on"], days(7));
    // Days pass, unreviewed: the same flag, now overdue.
    review_in(&app, &measure, -1);
    let later = queue(&app).await;
    let item = &later[0]["items"][0];
    assert_eq!(item["id"], first[0]["items"][0]["id"]);
    assert_eq!(item["urgency"], "overdue");
    assert_eq!(item["review_on"], days(-1));
    // Only a review settles it.
    for action in ["dismiss", "resolve"] {
        let path = format!("/v1/flags/{}/{action}", item["id"]);
        let (status, body) = app.post(&path, "supervisor", json!({"reason": "x"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{action}: {body}");
        assert_eq!(body["error"]["field"], "kind");
    }
    assert_eq!(queue(&app).await.len(), 1);
}

#[tokio::test]
async fn continuing_moves_the_review_date_settles_the_due_flag_and_is_audited() {
    let app = spawn_app().await;
    let (ann, measure) = ann_with_a_measure(&app).await;
    review_in(&app, &measure, -2);
    let flag = queue(&app).await[0]["items"][0]["id"].clone();

    let next = days(90);
    let body = json!({"outcome": "continue", "next_review_on": next, "note": "calls are down"});
    let (status, answer) = review(&app, &measure, body).await;

    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let reviewed = &answer["review"];
    assert_eq!(
        (
            &reviewed["outcome"],
            &reviewed["review_on"],
            &reviewed["next_review_on"]
        ),
        (&json!("continue"), &json!(days(-2)), &json!(next))
    );
    assert_eq!(reviewed["reviewed_by"], "supervisor-key");
    assert_eq!(answer["measure"]["review_on"], next);
    assert_eq!(answer["measure"]["status"], "in_force");
    assert!(queue(&app).await.is_empty(), "reviewed: off the queue");
    let (_, resolved) = app.get("/v1/flags?status=resolved", "admin").await;
    let settled = &resolved["flags"][0];
    assert_eq!(
        (&settled["id"], &settled["review_id"]),
        (&flag, &reviewed["id"])
    );
    let (status, listed) = app
        .get(
            &format!("/v1/measures/{}/reviews", measure["id"]),
            "supervisor",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["reviews"], json!([reviewed]));

    let (_, audit) = app
        .get(&format!("/v1/audit?person_id={ann}"), "admin")
        .await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[..2], ["measure.review", "flag.resolve"]);
    assert_eq!(
        audit["entries"][0]["after"]["review"]["note"],
        "calls are down"
    );
    let (_, export) = app.get(&format!("/v1/people/{ann}/export"), "admin").await;
    assert_eq!(export["reviews"][0]["note"], "calls are down", "{export}");

    // The new date is new evidence: once it is due, it is listed again.
    review_in(&app, &measure, 5);
    let again = queue(&app).await;
    assert_ne!(again[0]["items"][0]["id"], flag);
}

#[tokio::test]
async fn review_dates_and_outcomes_are_checked_and_a_refused_review_changes_nothing() {
    let app = spawn_app().await;
    let (_, measure) = ann_with_a_measure(&app).await;
    let audit_before = app.audit_len().await;
    let too_far = (months_ahead(6) + Duration::days(1)).to_string();
    for (body, field) in [
        (
            json!({"outcome": "continue", "note": "n"}),
            "next_review_on",
        ),
        (json!({"outcome": "change", "note": "n"}), "next_review_on"),
        (
            json!({"outcome": "continue", "next_review_on": days(0), "note": "n"}),
            "next_review_on",
        ),
        (
            json!({"outcome": "continue", "next_review_on": too_far, "note": "n"}),
            "next_review_on",
        ),
        (
            json!({"outcome": "continue", "next_review_on": "soon", "note": "n"}),
            "next_review_on",
        ),
        (
            json!({"outcome": "end", "next_review_on": days(30), "note": "n"}),
            "next_review_on",
        ),
        (
            json!({"outcome": "pause", "next_review_on": days(30), "note": "n"}),
            "outcome",
        ),
        (json!({"next_review_on": days(30), "note": "n"}), "outcome"),
        (
            json!({"outcome": "continue", "next_review_on": days(30)}),
            "note",
        ),
        (
            json!({"outcome": "continue", "next_review_on": days(30), "note": " "}),
            "note",
        ),
    ] {
        let (status, answer) = review(&app, &measure, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    assert_eq!(app.audit_len().await, audit_before, "nothing recorded");
    let (_, listed) = app
        .get(&format!("/v1/measures/{}/reviews", measure["id"]), "admin")
        .await;
    assert_eq!(listed["reviews"], json!([]));
    let furthest = months_ahead(6).to_string();
    let body = json!({"outcome": "continue", "next_review_on": furthest, "note": "n"});
    let (status, answer) = review(&app, &measure, body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, _) = review(
        &app,
        &json!({"id": 999}),
        json!({"outcome": "end", "note": "n"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn after_a_change_review_the_patch_may_set_a_review_six_months_from_it() {
    let app = spawn_app().await;
    let (_, measure) = ann_with_a_measure(&app).await;
    let next = months_ahead(6).to_string();
    let body = json!({"outcome": "change", "next_review_on": next, "note": "agree two a week"});
    let (status, answer) = review(&app, &measure, body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["measure"]["review_on"], next);

    // Six months from the review is more than six from the start
    // (yesterday); the change is still allowed.
    let path = format!("/v1/measures/{}", measure["id"]);
    let (status, changed) = app
        .patch(
            &path,
            "supervisor",
            json!({"max_contacts": 2, "per": "week"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (&changed["per"], &changed["review_on"]),
        (&json!("week"), &json!(next))
    );
    let beyond = (months_ahead(6) + Duration::days(1)).to_string();
    let (status, refused) = app
        .patch(&path, "supervisor", json!({"review_on": beyond}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "review_on");
}

#[tokio::test]
async fn ending_by_review_ends_the_measure_as_the_end_path_does_and_it_is_not_reviewed_again() {
    let app = spawn_app().await;
    let (ann, measure) = ann_with_a_measure(&app).await;
    review_in(&app, &measure, 1);
    assert_eq!(queue(&app).await.len(), 1);

    let body = json!({"outcome": "end", "note": "no calls for a month"});
    let (status, answer) = review(&app, &measure, body).await;

    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["review"]["next_review_on"], Value::Null);
    let ended = &answer["measure"];
    assert_eq!(ended["status"], "ended");
    assert_eq!(
        (&ended["ended"]["reason"], &ended["ended"]["by"]),
        (&json!("no calls for a month"), &json!("supervisor-key"))
    );
    assert!(queue(&app).await.is_empty());
    let (_, audit) = app
        .get(&format!("/v1/audit?person_id={ann}"), "admin")
        .await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..3],
        ["measure.review", "measure.end", "flag.resolve"]
    );

    let audit_before = app.audit_len().await;
    let again = json!({"outcome": "continue", "next_review_on": days(30), "note": "n"});
    let (status, body) = review(&app, &measure, again).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let end = format!("/v1/measures/{}/end", measure["id"]);
    let (status, _) = app.post(&end, "supervisor", json!({"reason": "r"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(app.audit_len().await, audit_before);
}

#[tokio::test]
async fn ending_a_measure_settles_its_due_review() {
    let app = spawn_app().await;
    let (_, measure) = ann_with_a_measure(&app).await;
    review_in(&app, &measure, -1);
    assert_eq!(queue(&app).await.len(), 1);
    let end = format!("/v1/measures/{}/end", measure["id"]);
    let (status, _) = app
        .post(
            &end,
            "supervisor",
            json!({"reason": "agreed it is no longer needed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue(&app).await.is_empty());
    let (_, resolved) = app.get("/v1/flags?status=resolved", "admin").await;
    assert_eq!(resolved["flags"][0]["kind"], "review_due");
}

#[tokio::test]
async fn only_supervisors_and_admins_may_review_or_read_reviews() {
    let app = spawn_app().await;
    let (_, measure) = ann_with_a_measure(&app).await;
    let path = format!("/v1/measures/{}/review", measure["id"]);
    let reviews = format!("/v1/measures/{}/reviews", measure["id"]);
    let body = json!({"outcome": "continue", "next_review_on": days(30), "note": "n"});
    for role in ["pbx", "advisor"] {
        let (status, _) = app.post(&path, role, body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "review as {role}");
        let (status, _) = app.get(&reviews, role).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "reviews as {role}");
    }
    let (_, listed) = app.get(&reviews, "supervisor").await;
    assert_eq!(
        listed["reviews"],
        json!([]),
        "a refused review changes nothing"
    );
    let (status, _) = app.post(&path, "admin", body).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app.get("/v1/measures/999/reviews", "admin").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
