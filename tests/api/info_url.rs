//! `info_url`: a routed call's answer carries the address of its page
//! (`{public_url}/ui/calls/{call_id}`) on every wire, for the advisor's
//! phone; it is absent when `public_url` is unset and when the call is
//! not put through.

use reqwest::StatusCode;

use crate::agi::{agi_call, environment};
use crate::helpers::*;

const PUBLIC_URL: &str = "https://fairline.example.org/helpline/";
const PAGE: &str = "https://fairline.example.org/helpline/ui/calls/";

async fn app_with_public_url() -> TestApp {
    spawn_app_with(&[
        ("FAIRLINE_PUBLIC_URL", PUBLIC_URL),
        ("FAIRLINE_AGI_LISTEN", "127.0.0.1:0"),
        ("FAIRLINE_AGI_TIMEOUT_MS", "300"),
    ])
    .await
}

async fn form_answer(app: &TestApp, caller: &str, call_id: &str) -> String {
    let resp = app
        .client
        .get(format!("{}/v1/screen", app.base))
        .query(&[
            ("caller", caller),
            ("call_id", call_id),
            ("dialed", "0800"),
            ("format", "form"),
        ])
        .bearer_auth(&app.keys["pbx"])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.text().await.unwrap()
}

/// A FreeSWITCH dialplan look-up with the fields fairline reads.
async fn freeswitch_lookup(app: &TestApp, caller: &str, uuid: &str) -> String {
    let form = [
        ("section", "dialplan"),
        ("Hunt-Context", "public"),
        ("Caller-Context", "public"),
        ("Caller-Destination-Number", "08001234567"),
        ("Caller-Caller-ID-Number", caller),
        ("Unique-ID", uuid),
    ];
    let resp = app
        .client
        .post(format!("{}/v1/pbx/freeswitch/dialplan", app.base))
        .form(&form)
        .bearer_auth(&app.keys["pbx"])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.text().await.unwrap()
}

/// The `data` of every `set` in a FreeSWITCH answer.
fn freeswitch_sets(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.attribute("application") == Some("set"))
        .filter_map(|n| n.attribute("data").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_routed_call_answers_its_page_address_in_json() {
    let app = app_with_public_url().await;
    let answer = app.screen("07700900123", "1715.1").await;
    assert_eq!(answer["action"], "route");
    assert_eq!(answer["info_url"], format!("{PAGE}1715.1"));
}

#[tokio::test]
async fn a_call_id_is_percent_encoded_in_the_page_address() {
    let app = app_with_public_url().await;
    let answer = app.screen("07700900123", "sip/a?b#c").await;
    assert_eq!(answer["info_url"], format!("{PAGE}sip%2Fa%3Fb%23c"));
}

#[tokio::test]
async fn a_blocked_call_has_no_page_address() {
    let app = app_with_public_url().await;
    app.blocked_person("Ann", "07700 900123").await;
    let answer = app.screen("07700900123", "1715.2").await;
    assert_eq!(answer["action"], "block");
    assert!(answer.get("info_url").is_none(), "{answer}");
    let line = form_answer(&app, "07700900123", "1715.3").await;
    assert!(!line.contains("info_url"), "{line}");
}

#[tokio::test]
async fn without_public_url_no_answer_has_a_page_address() {
    let app = spawn_app().await;
    let answer = app.screen("07700900123", "1715.4").await;
    assert_eq!(answer["action"], "route");
    assert!(answer.get("info_url").is_none(), "{answer}");
    let line = form_answer(&app, "07700900123", "1715.5").await;
    assert!(!line.contains("info_url"), "{line}");
    let xml = freeswitch_lookup(&app, "07700900123", "fs-1715-6").await;
    assert!(
        !freeswitch_sets(&xml)
            .iter()
            .any(|s| s.starts_with("fairline_info_url")),
        "{xml}"
    );
}

#[tokio::test]
async fn the_form_answer_carries_the_page_address_percent_encoded() {
    let app = app_with_public_url().await;
    let line = form_answer(&app, "07700900123", "1715.7").await;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(line.as_bytes())
        .into_owned()
        .collect();
    let info = pairs.iter().find(|(k, _)| k == "info_url");
    assert_eq!(
        info.map(|(_, v)| v.as_str()),
        Some(format!("{PAGE}1715.7").as_str()),
        "{line}"
    );
    // Escaped like every other value: no raw `/` or `:` in the line.
    assert!(line.contains("info_url=https%3A%2F%2F"), "{line}");
}

#[tokio::test]
async fn fastagi_sets_the_page_address_for_a_routed_call_and_empty_for_a_blocked_one() {
    let app = app_with_public_url().await;
    let agi = app.agi.clone().unwrap();
    let routed = agi_call(&agi, &environment("07700900124", "1715.8")).await;
    assert!(
        routed.contains(&format!("SET VARIABLE FAIRLINE_INFO_URL \"{PAGE}1715.8\"")),
        "{routed:?}"
    );
    app.blocked_person("Ann", "07700 900123").await;
    let blocked = agi_call(&agi, &environment("07700900123", "1715.9")).await;
    assert!(
        blocked.contains(&"SET VARIABLE FAIRLINE_INFO_URL \"\"".to_owned()),
        "{blocked:?}"
    );
    // The reason is still the last variable set.
    assert!(blocked
        .last()
        .unwrap()
        .starts_with("SET VARIABLE FAIRLINE_REASON"));
}

#[tokio::test]
async fn freeswitch_sets_the_page_address_on_a_routed_channel_only() {
    let app = app_with_public_url().await;
    let xml = freeswitch_lookup(&app, "07700900124", "fs-1715-10").await;
    assert!(
        freeswitch_sets(&xml).contains(&format!("fairline_info_url={PAGE}fs-1715-10")),
        "{xml}"
    );
    app.blocked_person("Ann", "07700 900123").await;
    let xml = freeswitch_lookup(&app, "07700900123", "fs-1715-11").await;
    assert!(
        !freeswitch_sets(&xml)
            .iter()
            .any(|s| s.starts_with("fairline_info_url")),
        "{xml}"
    );
}

#[tokio::test]
async fn a_public_url_that_is_not_http_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let message = serve_refuses(
        &dir.path().join("fairline.db"),
        &[("FAIRLINE_PUBLIC_URL", "fairline.example.org")],
    );
    assert!(message.to_lowercase().contains("public_url"), "{message}");
    assert!(message.contains("http:// or https://"), "{message}");
}

fn sample(path: &str) -> String {
    std::fs::read_to_string(format!("{}/docker/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn the_samples_hand_the_page_to_the_advisors_phone_in_a_call_info_header() {
    // Each Asterisk dialplan reads the address from its answer…
    assert!(sample("asterisk/extensions.conf").contains("${HASH(fairline,info_url)}"));
    assert!(sample("asterisk/extensions-json.conf")
        .contains("${JSON_DECODE(FAIRLINE_ANSWER,info_url)}"));
    assert!(sample("asterisk/extensions-agi.conf").contains("Set(FAIRLINE_INFO_URL=)"));
    // …and the targets add it on each advisor's channel before it rings.
    let targets = sample("asterisk/fairline-targets.conf");
    assert!(targets.contains("b(fairline-call-info^s^1(${FAIRLINE_INFO_URL}))"));
    assert!(targets.contains("Set(PJSIP_HEADER(add,Call-Info)=<${ARG1}>\\;purpose=info)"));
    // FreeSWITCH: sip_h_Call-Info, set only when fairline gave an address.
    let text = sample("freeswitch/dialplan/public.xml");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let extension = doc
        .descendants()
        .find(|n| n.attribute("name") == Some("fairline-call-info"))
        .unwrap();
    let fields: Vec<&str> = extension
        .descendants()
        .filter_map(|n| n.attribute("field"))
        .collect();
    assert!(fields.contains(&"${fairline_info_url}"), "{fields:?}");
    let sets: Vec<&str> = extension
        .descendants()
        .filter_map(|n| n.attribute("data"))
        .collect();
    assert!(
        sets.contains(&"sip_h_Call-Info=<${fairline_info_url}>;purpose=info"),
        "{sets:?}"
    );
}
