//! Reports: contacts per day, week or month in the service's timezone
//! (Europe/London) counted against hand-counted fixtures, and the register
//! of measures, as JSON and CSV; bad parameters and roles.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// A contact on `channel` at `at` (RFC 3339), recorded by an advisor.
async fn contact_at(app: &TestApp, channel: &str, at: &str) {
    let (status, body) = app
        .post(
            "/v1/contacts",
            "advisor",
            json!({"channel": channel, "at": at}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn report(app: &TestApp, query: &str) -> Value {
    let (status, body) = app
        .get(&format!("/v1/reports/contacts?{query}"), "supervisor")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Each period as (start, end, total).
fn totals(report: &Value) -> Vec<(String, String, u64)> {
    report["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["start"].as_str().unwrap().to_owned(),
                p["end"].as_str().unwrap().to_owned(),
                p["total"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A GET with an optional `Accept`; the status, headers and body text.
async fn fetch(
    app: &TestApp,
    path: &str,
    role: &str,
    accept: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let mut request = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(&app.keys[role]);
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    let resp = request.send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.text().await.unwrap())
}

/// The Sunday last year when the UK's clocks went forward (the last Sunday
/// of March): a date always in the past, whenever the tests run.
fn clocks_go_forward() -> NaiveDate {
    let year = chrono::Utc::now().year() - 1;
    let mut day = NaiveDate::from_ymd_opt(year, 3, 31).unwrap();
    while day.weekday() != Weekday::Sun {
        day = day - Days::new(1);
    }
    day
}

fn at(day: NaiveDate, offset_days: i64, utc_time: &str) -> String {
    let day = day
        .checked_add_signed(chrono::Duration::days(offset_days))
        .unwrap();
    format!("{day}T{utc_time}Z")
}

#[tokio::test]
async fn days_and_weeks_are_counted_in_local_time_across_the_clocks_going_forward() {
    let app = spawn_app().await;
    let sunday = clocks_go_forward();
    // Saturday 23:30 GMT: Saturday.
    contact_at(&app, "email", &at(sunday, -1, "23:30:00")).await;
    // Sunday 00:30 GMT: Sunday.
    contact_at(&app, "phone", &at(sunday, 0, "00:30:00")).await;
    // Sunday 23:30 UTC is 00:30 BST on Monday: Monday, and next week.
    contact_at(&app, "web", &at(sunday, 0, "23:30:00")).await;
    // Monday 22:30 UTC is 23:30 BST: still Monday.
    contact_at(&app, "letter", &at(sunday, 1, "22:30:00")).await;
    // Monday 23:30 UTC is 00:30 BST on Tuesday.
    contact_at(&app, "in_person", &at(sunday, 1, "23:30:00")).await;

    let (sat, mon) = (sunday - Days::new(1), sunday + Days::new(1));
    let days = report(&app, &format!("from={sat}&to={mon}")).await;
    let d = |n: NaiveDate| n.to_string();
    assert_eq!(
        totals(&days),
        [
            (d(sat), d(sat), 1),
            (d(sunday), d(sunday), 1),
            (d(mon), d(mon), 2)
        ]
    );
    assert_eq!(days["group"], "day");
    assert_eq!(days["timezone"], "Europe/London");
    let monday = &days["periods"][2];
    assert_eq!(
        (
            &monday["channels"]["web"],
            &monday["channels"]["letter"],
            &monday["channels"]["phone"]
        ),
        (&json!(1), &json!(1), &json!(0)),
        "{monday}"
    );
    assert_eq!(days["totals"]["total"], 4);
    assert_eq!(days["totals"]["channels"]["in_person"], 0);

    // The week ending on the Sunday of the change, and the week after.
    let (week_start, week_end) = (sunday - Days::new(6), sunday + Days::new(7));
    let weeks = report(&app, &format!("from={week_start}&to={week_end}&group=week")).await;
    assert_eq!(
        totals(&weeks),
        [(d(week_start), d(sunday), 2), (d(mon), d(week_end), 3)]
    );
}

#[tokio::test]
async fn months_are_local_calendar_months_and_empty_periods_are_listed() {
    let app = spawn_app().await;
    let year = clocks_go_forward().year();
    // 28 February 23:30 GMT: February, outside the range.
    contact_at(&app, "phone", &format!("{year}-02-28T23:30:00Z")).await;
    // 31 March 22:30 UTC is 23:30 BST: March.
    contact_at(&app, "phone", &format!("{year}-03-31T22:30:00Z")).await;
    // 31 March 23:30 UTC is 00:30 BST on 1 April: April.
    contact_at(&app, "email", &format!("{year}-03-31T23:30:00Z")).await;

    let months = report(
        &app,
        &format!("from={year}-03-01&to={year}-05-31&group=month"),
    )
    .await;
    assert_eq!(
        totals(&months),
        [
            (format!("{year}-03-01"), format!("{year}-03-31"), 1),
            (format!("{year}-04-01"), format!("{year}-04-30"), 1),
            (format!("{year}-05-01"), format!("{year}-05-31"), 0),
        ]
    );
    assert_eq!(months["periods"][1]["channels"]["email"], 1);

    // A range with nothing in it still lists each of its days.
    let empty = report(&app, &format!("from={year}-01-01&to={year}-01-10")).await;
    let periods = empty["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 10);
    assert!(periods.iter().all(|p| p["total"] == 0), "{empty}");
    assert_eq!(periods[9]["start"], format!("{year}-01-10"));
    assert_eq!(empty["totals"]["actions"]["route"], 0);
}

#[tokio::test]
async fn calls_are_counted_by_their_decision_over_the_last_30_days_by_default() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.measure(
        ann,
        json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
    )
    .await;
    app.screen("07700900123", "r-1").await;
    let diverted = app.screen("07700900123", "r-2").await;
    assert_eq!(diverted["action"], "divert");
    contact_at(&app, "letter", &chrono::Utc::now().to_rfc3339()).await;

    let body = report(&app, "").await;
    let periods = body["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 30);
    let (from, to): (NaiveDate, NaiveDate) = (
        body["from"].as_str().unwrap().parse().unwrap(),
        body["to"].as_str().unwrap().parse().unwrap(),
    );
    assert_eq!((to - from).num_days(), 29);
    assert_eq!(periods[29]["end"], body["to"]);
    assert_eq!(
        body["totals"],
        json!({
            "total": 3,
            "channels": {"phone": 2, "email": 0, "web": 0, "letter": 1, "in_person": 0},
            "actions": {"route": 1, "announce": 0, "divert": 1, "block": 0},
        })
    );
}

#[tokio::test]
async fn the_contacts_csv_has_a_row_per_period_and_a_column_per_channel_and_action() {
    let app = spawn_app().await;
    let year = clocks_go_forward().year();
    contact_at(&app, "web", &format!("{year}-06-02T12:00:00Z")).await;
    let path = format!("/v1/reports/contacts?from={year}-06-01&to={year}-06-03");
    for (path, accept) in [
        (format!("{path}&format=csv"), None),
        (path.clone(), Some("text/csv")),
    ] {
        let (status, headers, text) = fetch(&app, &path, "supervisor", accept).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        assert_eq!(
            headers["content-disposition"],
            format!("attachment; filename=\"contacts-{year}-06-01-{year}-06-03.csv\"").as_str()
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "start,end,total,phone,email,web,letter,in_person,route,announce,divert,block",
                &format!("{year}-06-01,{year}-06-01,0,0,0,0,0,0,0,0,0,0"),
                &format!("{year}-06-02,{year}-06-02,1,0,0,1,0,0,0,0,0,0"),
                &format!("{year}-06-03,{year}-06-03,0,0,0,0,0,0,0,0,0,0"),
            ]
        );
    }
    // JSON unless CSV is asked for.
    let (_, headers, _) = fetch(&app, &path, "supervisor", Some("*/*")).await;
    assert_eq!(headers["content-type"], "application/json");
}

#[tokio::test]
async fn bad_report_parameters_are_422_naming_the_field() {
    let app = spawn_app().await;
    for (query, field) in [
        ("group=year", "group"),
        ("from=2026-02-30", "from"),
        ("to=tomorrow", "to"),
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("from=2020-01-01&to=2022-12-31", "to"),
        ("from=2000-01-01&to=2099-12-31&group=month", "to"),
        ("format=xml", "format"),
        ("colour=red", "colour"),
        ("from=2026-03-01&from=2026-03-02", "from"),
    ] {
        let (status, body) = app
            .get(&format!("/v1/reports/contacts?{query}"), "supervisor")
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    // A thousand days by day is the most one report lists; by week it fits.
    let (status, _) = app
        .get(
            "/v1/reports/contacts?from=2020-01-01&to=2022-09-26",
            "supervisor",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .get(
            "/v1/reports/contacts?from=2020-01-01&to=2022-12-31&group=week",
            "supervisor",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for (query, field) in [
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("from=2020-01-01&to=2023-01-01", "to"),
        ("group=day", "group"),
    ] {
        let (status, body) = app
            .get(&format!("/v1/reports/measures?{query}"), "supervisor")
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
}

#[tokio::test]
async fn only_supervisors_and_admins_see_reports() {
    let app = spawn_app().await;
    for path in ["/v1/reports/contacts", "/v1/reports/measures"] {
        for (role, expected) in [
            ("pbx", StatusCode::FORBIDDEN),
            ("advisor", StatusCode::FORBIDDEN),
            ("supervisor", StatusCode::OK),
            ("admin", StatusCode::OK),
        ] {
            let (status, body) = app.get(path, role).await;
            assert_eq!(status, expected, "{path} as {role}: {body}");
        }
        let (status, _, _) = fetch(&app, &format!("{path}?format=csv"), "advisor", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
}

/// Sets a measure's dates to `days` days from today (negative: ago).
fn move_dates(app: &TestApp, measure: &Value, dates: &[(&str, i64)]) {
    let today = chrono::Utc::now().date_naive();
    let dates: Vec<(&str, String)> = dates
        .iter()
        .map(|(column, days)| {
            let day = today
                .checked_add_signed(chrono::Duration::days(*days))
                .unwrap();
            (*column, day.to_string())
        })
        .collect();
    let dates: Vec<(&str, &str)> = dates.iter().map(|(c, d)| (*c, d.as_str())).collect();
    app.backdate_measure(measure["id"].as_i64().unwrap(), &dates);
}

/// Four measures in force (Ann's limit breached once and an urgent call
/// under it; Bo's review overdue; Eve's limit and block, the block
/// breached), one not yet started and one long ended.
async fn register_fixture(app: &TestApp) -> [i64; 4] {
    let ann = app.person("Ann", "07700 900123").await;
    let limit = app
        .measure(
            ann,
            json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
        )
        .await;
    app.screen("07700900123", "m-1").await;
    assert_eq!(app.screen("07700900123", "m-2").await["action"], "divert");
    let urgent = app
        .screen_with(&[
            ("caller", "07700900123"),
            ("call_id", "m-3"),
            ("urgent", "1"),
        ])
        .await;
    assert_eq!(urgent["reason"], "urgent");

    let bo = app.person("Bo", "07700 900124").await;
    let overdue = app.measure(bo, json!({"kind": "new_issues_only"})).await;
    move_dates(
        app,
        &overdue,
        &[("notified_on", -20), ("starts_on", -20), ("review_on", -2)],
    );

    let eve = app.blocked_person("Eve", "07700 900125").await;
    assert_eq!(app.screen("07700900125", "m-4").await["action"], "block");

    // An urgent call from someone under no measure is not the register's.
    app.person("Zed", "07700 900126").await;
    app.screen_with(&[
        ("caller", "07700900126"),
        ("call_id", "m-5"),
        ("urgent", "1"),
    ])
    .await;
    let cy = app.person("Cy", "07700 900127").await;
    let later = app
        .measure(cy, json!({"kind": "open_enquiries_only"}))
        .await;
    move_dates(app, &later, &[("starts_on", 5), ("review_on", 60)]);
    let dee = app.person("Dee", "07700 900128").await;
    let ended = app
        .measure(dee, json!({"kind": "open_enquiries_only"}))
        .await;
    move_dates(
        app,
        &ended,
        &[
            ("notified_on", -300),
            ("starts_on", -300),
            ("review_on", -250),
            ("ends_on", -200),
        ],
    );
    let (_, eves) = app.get(&format!("/v1/people/{eve}"), "supervisor").await;
    let eve_ids: Vec<i64> = eves["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(eve_ids.len(), 2, "{eves}");
    [
        limit["id"].as_i64().unwrap(),
        overdue["id"].as_i64().unwrap(),
        eve_ids[0],
        eve_ids[1],
    ]
}

#[tokio::test]
async fn the_register_lists_measures_in_force_with_breaches_overdue_reviews_and_urgent_calls() {
    let app = spawn_app().await;
    let [limit, overdue, eve_limit, eve_block] = register_fixture(&app).await;
    let next_review = chrono::Utc::now().date_naive() + Days::new(30);
    let (status, body) = app
        .post(
            &format!("/v1/measures/{limit}/review"),
            "supervisor",
            json!({"outcome": "continue", "next_review_on": next_review.to_string(),
                   "note": "spoke to Ann; still needed"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, register) = app.get("/v1/reports/measures", "supervisor").await;
    assert_eq!(status, StatusCode::OK, "{register}");
    let today = chrono::Utc::now().date_naive();
    let to: NaiveDate = register["to"].as_str().unwrap().parse().unwrap();
    let from: NaiveDate = register["from"].as_str().unwrap().parse().unwrap();
    assert!((to - today).num_days().abs() <= 1, "{register}");
    assert_eq!((to - from).num_days(), 90);
    assert_eq!(
        register["in_force_by_kind"],
        json!({"frequency_limit": 2, "new_issues_only": 1, "block": 1})
    );
    assert_eq!(
        register["totals"],
        json!({
            "measures": 4,
            "breaches": {"diverted": 1, "blocked": 1},
            "reviews_overdue": 1,
            "reviews_done": 1,
            "urgent_calls": 1,
        })
    );
    let lines = register["measures"].as_array().unwrap();
    let line = |id: i64| {
        lines
            .iter()
            .find(|l| l["measure_id"] == id)
            .unwrap_or_else(|| panic!("no measure {id}: {register}"))
    };
    let ann = line(limit);
    assert_eq!(ann["breaches"], json!({"diverted": 1, "blocked": 0}));
    assert_eq!(ann["urgent_calls"], 1);
    assert_eq!(ann["review_overdue"], false);
    assert_eq!(ann["reviews_done"], 1);
    assert_eq!(ann["kind"], "frequency_limit");
    let bo = line(overdue);
    assert_eq!(bo["review_overdue"], true);
    assert_eq!(bo["breaches"], json!({"diverted": 0, "blocked": 0}));
    assert_eq!(
        line(eve_block)["breaches"],
        json!({"diverted": 0, "blocked": 1})
    );
    assert_eq!(
        line(eve_limit)["breaches"],
        json!({"diverted": 0, "blocked": 0})
    );
    assert_eq!(lines.len(), 4, "{register}");

    // A range before any of them began lists none.
    let long_ago = today - Days::new(100);
    let (_, earlier) = app
        .get(
            &format!("/v1/reports/measures?from={long_ago}&to={long_ago}"),
            "supervisor",
        )
        .await;
    assert_eq!(earlier["measures"], json!([]), "{earlier}");
    assert_eq!(earlier["totals"]["measures"], 0);
}

#[tokio::test]
async fn the_register_csv_has_one_row_per_measure() {
    let app = spawn_app().await;
    let [limit, ..] = register_fixture(&app).await;
    let (status, headers, text) =
        fetch(&app, "/v1/reports/measures", "admin", Some("text/csv")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "measure_id",
            "person_id",
            "kind",
            "starts_on",
            "review_on",
            "ends_on",
            "ended_on",
            "review_overdue",
            "breaches_diverted",
            "breaches_blocked",
            "urgent_calls",
            "reviews_done",
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "{text}");
    let ann = rows
        .iter()
        .find(|r| r[0] == limit.to_string())
        .expect("Ann's limit");
    assert_eq!(
        (&ann[2], &ann[5], &ann[7], &ann[8], &ann[9], &ann[10]),
        ("frequency_limit", "", "false", "1", "0", "1")
    );
}
