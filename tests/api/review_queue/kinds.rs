//! Each kind of flag end to end: raised at its threshold and not below,
//! one open flag that gathers evidence, not raised again by the contacts a
//! dismissal covered, raised again by newer ones. None changes a call.

use super::*;

/// The open flag of `kind`, asserting there is exactly one.
async fn the_one(app: &TestApp, kind: &str) -> Value {
    let open = open_of(app, kind).await;
    assert_eq!(open.len(), 1, "{kind}: {open:?}");
    open[0].clone()
}

async fn none_of(app: &TestApp, kind: &str) {
    let open = open_of(app, kind).await;
    assert!(open.is_empty(), "{kind}: {open:?}");
}

#[tokio::test]
async fn a_day_of_contacts_at_the_threshold_is_flagged_once_and_again_only_for_newer_ones() {
    let app = spawn_app_with(&[
        ("FAIRLINE_FLAG_DAILY_CONTACTS", "3"),
        ("FAIRLINE_FLAG_WEEKLY_CONTACTS", "0"),
    ])
    .await;
    app.person("Ann", ANN).await;
    app.screen("07700900123", "c-1").await;
    app.screen("07700900123", "c-2").await;
    none_of(&app, "very_frequent_contact").await;

    app.screen("07700900123", "c-3").await;
    let flag = the_one(&app, "very_frequent_contact").await;
    assert_eq!(flag["evidence_count"], 3);
    contact(&app, "email", ANN, json!({})).await;
    let grown = the_one(&app, "very_frequent_contact").await;
    assert_eq!(
        (&grown["id"], &grown["evidence_count"]),
        (&flag["id"], &json!(4))
    );
    assert!(grown["detail"]
        .as_str()
        .unwrap()
        .starts_with("4 contacts on "));

    dismiss(&app, &grown).await;
    app.screen("07700900123", "c-5").await;
    app.screen("07700900123", "c-6").await;
    none_of(&app, "very_frequent_contact").await;
    let answer = app.screen("07700900123", "c-7").await;
    let again = the_one(&app, "very_frequent_contact").await;
    assert_ne!(again["id"], flag["id"]);
    assert_eq!(again["evidence_count"], 3, "only the contacts since");
    // Calls 1 to 3 and the email were contacts 1 to 4.
    let item = queue_item(&app, &again["id"]).await;
    assert_eq!(evidence_ids(&item), [5, 6, 7]);
    assert_eq!(answer["action"], "route", "a flag changes no decision");
}

#[tokio::test]
async fn more_than_the_weekly_number_of_contacts_is_flagged_once_and_again_only_for_newer_ones() {
    let app = spawn_app_with(&[
        ("FAIRLINE_FLAG_DAILY_CONTACTS", "0"),
        ("FAIRLINE_FLAG_WEEKLY_CONTACTS", "3"),
    ])
    .await;
    app.person("Ann", ANN).await;
    // Eight days ago: outside the seven.
    contact(&app, "letter", ANN, json!({"at": ago(Duration::days(8))})).await;
    // Contacts over the last six days, an hour apart.
    let mut n = 0;
    let mut next = || {
        n += 1;
        json!({"at": ago(Duration::days(6) - Duration::hours(n))})
    };
    for _ in 0..3 {
        contact(&app, "email", ANN, next()).await;
    }
    none_of(&app, "weekly_contact").await;

    contact(&app, "web", ANN, next()).await;
    let flag = the_one(&app, "weekly_contact").await;
    assert_eq!(flag["evidence_count"], 4);
    contact(&app, "email", ANN, next()).await;
    let grown = the_one(&app, "weekly_contact").await;
    assert_eq!(
        (&grown["id"], &grown["evidence_count"]),
        (&flag["id"], &json!(5))
    );
    assert!(grown["detail"]
        .as_str()
        .unwrap()
        .starts_with("5 contacts in the 7 days to "));

    dismiss(&app, &grown).await;
    for _ in 0..3 {
        contact(&app, "email", ANN, next()).await;
    }
    none_of(&app, "weekly_contact").await;
    contact(&app, "email", ANN, next()).await;
    let again = the_one(&app, "weekly_contact").await;
    assert_ne!(again["id"], flag["id"]);
    assert_eq!(again["evidence_count"], 4);
}

#[tokio::test]
async fn the_third_call_turned_away_in_a_day_is_flagged_and_the_calls_stay_blocked() {
    let app = spawn_app_with(&[("FAIRLINE_FLAG_DAILY_CONTACTS", "0")]).await;
    app.blocked_person("Ann", ANN).await;
    let mut actions = Vec::new();
    let call = |n: u32| {
        let app = &app;
        async move { app.screen("07700900123", &format!("b-{n}")).await }
    };
    for n in 1..=2 {
        actions.push(call(n).await["action"].clone());
    }
    none_of(&app, "repeated_while_diverted").await;
    actions.push(call(3).await["action"].clone());
    let flag = the_one(&app, "repeated_while_diverted").await;
    assert_eq!(flag["evidence_count"], 3);
    actions.push(call(4).await["action"].clone());
    let grown = the_one(&app, "repeated_while_diverted").await;
    assert_eq!(
        (&grown["id"], &grown["evidence_count"]),
        (&flag["id"], &json!(4))
    );

    dismiss(&app, &grown).await;
    for n in 5..=6 {
        actions.push(call(n).await["action"].clone());
    }
    none_of(&app, "repeated_while_diverted").await;
    actions.push(call(7).await["action"].clone());
    let again = the_one(&app, "repeated_while_diverted").await;
    assert_eq!(again["evidence_count"], 3);
    assert_eq!(actions, vec![json!("block"); 7]);
}

#[tokio::test]
async fn one_enquiry_on_two_channels_within_48_hours_is_scattergun_once_and_again_only_for_newer_ones(
) {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    app.enquiry(ann, "ENQ-1", "tribunal date").await;
    let about = |extra: Value| {
        let mut body = json!({"enquiry": "ENQ-1"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    // Fifty hours ago: outside the 48.
    contact(
        &app,
        "email",
        ANN,
        about(json!({"at": ago(Duration::hours(50))})),
    )
    .await;
    let with_enquiry = [("caller", "07700900123"), ("enquiry", "ENQ-1")];
    let call = |id: &'static str| {
        let mut query = with_enquiry.to_vec();
        query.push(("call_id", id));
        query
    };
    app.screen_with(&call("p-1")).await;
    none_of(&app, "scattergun").await;

    contact(&app, "email", ANN, about(json!({}))).await;
    let flag = the_one(&app, "scattergun").await;
    assert_eq!(flag["evidence_count"], 2);
    assert_eq!(flag["enquiry_id"], 1);
    contact(&app, "letter", ANN, about(json!({}))).await;
    let grown = the_one(&app, "scattergun").await;
    assert_eq!(
        (&grown["id"], &grown["evidence_count"]),
        (&flag["id"], &json!(3))
    );

    dismiss(&app, &grown).await;
    app.screen_with(&call("p-2")).await;
    app.screen_with(&call("p-3")).await;
    none_of(&app, "scattergun").await;
    contact(&app, "web", ANN, about(json!({}))).await;
    let again = the_one(&app, "scattergun").await;
    assert_ne!(again["id"], flag["id"]);
    assert_eq!(again["evidence_count"], 3, "the two calls and the web form");
}

#[tokio::test]
async fn scattergun_is_raised_by_a_call_naming_the_enquiry_and_by_an_outcome_naming_it() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    app.enquiry(ann, "ENQ-1", "tribunal date").await;
    app.enquiry(ann, "ENQ-2", "transport").await;
    contact(&app, "email", ANN, json!({"enquiry": "ENQ-1"})).await;
    contact(&app, "email", ANN, json!({"enquiry": "ENQ-2"})).await;

    let answer = app
        .screen_with(&[
            ("caller", "07700900123"),
            ("call_id", "p-1"),
            ("enquiry", "ENQ-1"),
        ])
        .await;
    assert_eq!(answer["action"], "route");
    assert_eq!(open_of(&app, "scattergun").await.len(), 1, "on screening");

    app.screen("07700900123", "p-2").await;
    assert_eq!(open_of(&app, "scattergun").await.len(), 1);
    let (status, body) = app
        .post(
            "/v1/calls/p-2/outcome",
            "advisor",
            json!({"enquiry": 2, "answered": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let flags = open_of(&app, "scattergun").await;
    assert_eq!(flags.len(), 2, "on the outcome: {flags:?}");
    assert_eq!(flags[0]["enquiry_id"], 2);
}

/// A call about ENQ-1 answered by `advisor` (the outcome names them).
async fn answered(app: &TestApp, call_id: &str, advisor: &str) {
    app.screen_with(&[
        ("caller", "07700900123"),
        ("call_id", call_id),
        ("enquiry", "ENQ-1"),
    ])
    .await;
    let path = format!("/v1/calls/{call_id}/outcome");
    let (status, body) = app
        .post(&path, "advisor", json!({"advisor": advisor}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn three_answers_on_one_enquiry_from_two_advisors_is_several_advisors() {
    let app = spawn_app_with(&[
        ("FAIRLINE_FLAG_DAILY_CONTACTS", "0"),
        ("FAIRLINE_FLAG_SCATTERGUN_CHANNELS", "0"),
    ])
    .await;
    let ann = app.person("Ann", ANN).await;
    app.enquiry(ann, "ENQ-1", "tribunal date").await;
    answered(&app, "a-1", "Sam").await;
    answered(&app, "a-2", "Sam").await;
    // A call whose outcome names both the advisor and the enquiry.
    app.screen("07700900123", "a-3").await;
    let (status, _) = app
        .post(
            "/v1/calls/a-3/outcome",
            "pbx",
            json!({"advisor": "sam", "enquiry": "ENQ-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    none_of(&app, "several_advisors").await;

    // An email answered by another advisor.
    contact(
        &app,
        "email",
        ANN,
        json!({"enquiry": "ENQ-1", "advisor": "Kim"}),
    )
    .await;
    let flag = the_one(&app, "several_advisors").await;
    assert_eq!(flag["evidence_count"], 4);
    answered(&app, "a-5", "Kim").await;
    let grown = the_one(&app, "several_advisors").await;
    assert_eq!(
        (&grown["id"], &grown["evidence_count"]),
        (&flag["id"], &json!(5))
    );
    let detail = grown["detail"].as_str().unwrap();
    assert!(
        detail.contains("5 answered contacts") && detail.contains("2 advisors"),
        "{detail}"
    );
    assert!(!detail.contains("Kim"), "no names in a flag's detail");

    dismiss(&app, &grown).await;
    answered(&app, "a-6", "Alex").await;
    answered(&app, "a-7", "Sam").await;
    none_of(&app, "several_advisors").await;
    answered(&app, "a-8", "Kim").await;
    let again = the_one(&app, "several_advisors").await;
    assert_ne!(again["id"], flag["id"]);
    assert_eq!(again["evidence_count"], 3);
}

#[tokio::test]
async fn the_urgent_option_under_measures_is_its_own_kind_and_gathers_the_calls() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    app.person("Bob", BOB).await;
    app.measure(
        ann,
        json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
    )
    .await;
    urgent(&app, "07700900456", "bob-1").await;
    assert_eq!(open_of(&app, "urgent_call").await.len(), 1, "no measures");
    none_of(&app, "urgent_under_measures").await;

    let answer = urgent(&app, "07700900123", "u-1").await;
    assert_eq!(answer["action"], "route");
    let flag = the_one(&app, "urgent_under_measures").await;
    assert_eq!(flag["evidence_count"], 1);
    let answer = urgent(&app, "07700900123", "u-2").await;
    assert_eq!(
        answer["reason"], "urgent",
        "over the limit, and still routed"
    );
    let grown = the_one(&app, "urgent_under_measures").await;
    assert_eq!(
        (&grown["id"], &grown["evidence_count"]),
        (&flag["id"], &json!(2))
    );

    dismiss(&app, &grown).await;
    none_of(&app, "urgent_under_measures").await;
    urgent(&app, "07700900123", "u-3").await;
    let again = the_one(&app, "urgent_under_measures").await;
    assert_ne!(again["id"], flag["id"]);
    assert_eq!(again["evidence_count"], 1);
}
