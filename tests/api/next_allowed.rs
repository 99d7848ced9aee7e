//! Telling a diverted caller when they can next get through: the JSON and
//! form answers, FastAGI's variable, and the same time for a retried call.
//! The test server's timezone is the default, Europe/London.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use serde_json::{json, Value};

use crate::agi::{agi_app, agi_call, environment};
use crate::helpers::*;

/// The first instant of local `date` in London.
fn london(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    London
        .from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// The next midnight in London after `now`: when a daily limit resets.
pub(crate) fn london_midnight_after(now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.with_timezone(&London).date_naive();
    london(today + Days::new(1), 0)
}

/// Runs `call`, and returns its answer with what `expected` gives for the
/// moments just before and just after it: a test that straddles a local
/// midnight accepts either, rather than failing once a year at random.
async fn around<T, F: std::future::Future<Output = T>>(
    expected: impl Fn(DateTime<Utc>) -> DateTime<Utc>,
    call: F,
) -> (T, [DateTime<Utc>; 2]) {
    let before = expected(Utc::now());
    let answer = call.await;
    (answer, [before, expected(Utc::now())])
}

/// Asserts the JSON answer says `one_of` in both forms: RFC 3339 in
/// London time with its offset (not `Z`), and epoch seconds.
fn assert_told(answer: &Value, one_of: [DateTime<Utc>; 2]) -> DateTime<Utc> {
    let text = answer["next_allowed_at"].as_str().unwrap_or_else(|| {
        panic!("no next_allowed_at: {answer}");
    });
    let told = DateTime::parse_from_rfc3339(text).unwrap();
    assert!(one_of.contains(&told.with_timezone(&Utc)), "{answer}");
    let offset = told.with_timezone(&London).format("%:z").to_string();
    assert!(text.ends_with(&offset), "{text} is not in London time");
    assert_eq!(answer["next_allowed_epoch"], told.timestamp(), "{answer}");
    told.with_timezone(&Utc)
}

fn assert_not_told(answer: &Value) {
    assert_eq!(answer["next_allowed_at"], Value::Null, "{answer}");
    assert_eq!(answer["next_allowed_epoch"], Value::Null, "{answer}");
}

/// A person with one call a day who has made it: returns the person and
/// the measure.
async fn limited(app: &TestApp, phone: &str) -> (i64, i64) {
    let person = app.person("Ann", phone).await;
    let measure = app
        .measure(
            person,
            json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
        )
        .await;
    let first = app.screen(phone, "first").await;
    assert_eq!(first["action"], "route", "{first}");
    assert_not_told(&first);
    (person, measure["id"].as_i64().unwrap())
}

#[tokio::test]
async fn a_caller_over_their_daily_limit_is_told_they_can_call_again_from_midnight() {
    let app = spawn_app().await;
    let (ann, _) = limited(&app, "07700900123").await;
    let (answer, midnights) =
        around(london_midnight_after, app.screen("07700900123", "second")).await;
    assert_eq!(answer["action"], "divert", "{answer}");
    assert_eq!(answer["reason"], "frequency_limit", "{answer}");
    let told = assert_told(&answer, midnights);
    // The rule that diverted says so too, and so does the call's record.
    assert_eq!(
        answer["rules"][0]["next_allowed_at"],
        told.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "{answer}"
    );
    let recorded = app
        .history(ann)
        .await
        .into_iter()
        .find(|c| c["call_id"] == "second")
        .unwrap();
    assert_eq!(
        recorded["rules"][0]["next_allowed_at"],
        answer["rules"][0]["next_allowed_at"]
    );
}

#[tokio::test]
async fn the_form_answer_carries_the_time_and_the_epoch() {
    let app = spawn_app().await;
    limited(&app, "07700900123").await;
    let form = |call_id: &'static str| {
        let app = &app;
        async move {
            app.client
                .get(format!("{}/v1/screen", app.base))
                .query(&[
                    ("caller", "07700900123"),
                    ("call_id", call_id),
                    ("dialed", "0800"),
                    ("format", "form"),
                ])
                .bearer_auth(&app.keys["pbx"])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let (line, midnights) = around(london_midnight_after, form("second")).await;
    let fields: std::collections::HashMap<String, String> =
        serde_urlencoded::from_str(&line).unwrap();
    assert_eq!(fields["action"], "divert", "{line}");
    let answer = json!({
        "next_allowed_at": fields["next_allowed_at"],
        "next_allowed_epoch": fields["next_allowed_epoch"].parse::<i64>().unwrap(),
    });
    assert_told(&answer, midnights);
    // Percent-encoded for Asterisk's hashcompat: `:` and `+` escaped.
    assert!(line.contains("&next_allowed_at=20"), "{line}");
    assert!(line.contains("%3A00%3A00%2B0"), "{line}");
}

#[tokio::test]
async fn a_caller_outside_their_agreed_times_is_told_when_the_next_window_opens() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700900123").await;
    // Tomorrow (in London) from 10:00 to 12:00: never today.
    let tomorrow = |now: DateTime<Utc>| now.with_timezone(&London).date_naive() + Days::new(1);
    let day = tomorrow(Utc::now()).weekday().to_string().to_lowercase();
    app.measure(
        ann,
        json!({"kind": "contact_windows",
               "windows": [{"days": [day], "from": "10:00", "to": "12:00"}]}),
    )
    .await;
    let (answer, openings) = around(
        |now| london(tomorrow(now), 10),
        app.screen("07700900123", "c-1"),
    )
    .await;
    assert_eq!(answer["reason"], "outside_contact_window", "{answer}");
    assert_told(&answer, openings);
}

#[tokio::test]
async fn routed_blocked_and_closed_enquiry_calls_are_told_no_time() {
    let app = spawn_app().await;
    let routed = app.screen("07700900100", "r-1").await;
    assert_eq!(routed["action"], "route");
    assert_not_told(&routed);

    app.blocked_person("Bo", "07700900101").await;
    let blocked = app.screen("07700900101", "b-1").await;
    assert_eq!(blocked["action"], "block");
    assert_not_told(&blocked);

    // Over the limit too, but "only new issues" and a closed enquiry: no
    // wait lets this call through.
    let (cy, _) = limited(&app, "07700900102").await;
    let enquiry = app.enquiry(cy, "ENQ-9", "transport").await;
    let (status, body) = app
        .patch(
            &format!("/v1/enquiries/{}", enquiry["id"]),
            "supervisor",
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    app.measure(cy, json!({"kind": "new_issues_only"})).await;
    let closed = app
        .screen_with(&[
            ("caller", "07700900102"),
            ("call_id", "n-1"),
            ("dialed", "0800"),
            ("enquiry", "ENQ-9"),
        ])
        .await;
    assert_eq!(closed["action"], "divert", "{closed}");
    assert_not_told(&closed);
}

#[tokio::test]
async fn a_retried_call_is_told_the_time_it_was_first_given_on_every_face() {
    let app = agi_app().await;
    let (ann, id) = limited(&app, "07700900123").await;
    let first = app.screen("07700900123", "1732890000.60").await;
    let epoch = first["next_allowed_epoch"].as_i64().unwrap();
    // Ended since: deciding afresh would now route the call, with no time.
    let (status, body) = app
        .post(
            &format!("/v1/measures/{id}/end"),
            "supervisor",
            json!({"reason": "agreed on the phone"}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let fresh = app.screen("07700900123", "1732890000.61").await;
    assert_eq!(fresh["action"], "route");

    let again = app.screen("07700900123", "1732890000.60").await;
    assert_eq!(again, first);
    let commands = agi_call(
        app.agi.as_ref().unwrap(),
        &environment("07700900123", "1732890000.60"),
    )
    .await;
    assert!(
        commands.contains(&format!("SET VARIABLE FAIRLINE_NEXT_ALLOWED \"{epoch}\"")),
        "{commands:?}"
    );
    assert_eq!(app.history(ann).await.len(), 3, "a retry is counted once");
}

#[tokio::test]
async fn over_fastagi_a_diverted_caller_gets_the_epoch_and_others_an_empty_value() {
    let app = agi_app().await;
    let agi = app.agi.clone().unwrap();
    let person = app.person("Ann", "07700900123").await;
    app.measure(
        person,
        json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
    )
    .await;
    let first = agi_call(&agi, &environment("07700900123", "agi.1")).await;
    assert!(
        first.contains(&"SET VARIABLE FAIRLINE_NEXT_ALLOWED \"\"".to_owned()),
        "{first:?}"
    );
    let (second, midnights) = around(
        london_midnight_after,
        agi_call(&agi, &environment("07700900123", "agi.2")),
    )
    .await;
    assert_eq!(second[0], "SET VARIABLE FAIRLINE_ACTION \"divert\"");
    let told: Vec<String> = midnights
        .iter()
        .map(|m| format!("SET VARIABLE FAIRLINE_NEXT_ALLOWED \"{}\"", m.timestamp()))
        .collect();
    assert!(
        second.iter().any(|c| told.contains(c)),
        "{second:?} {told:?}"
    );
}
