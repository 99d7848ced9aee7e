//! FreeSWITCH mod_xml_curl end to end: the form a dialplan look-up posts,
//! and the dialplan fairline answers, read as XML.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

const PATH: &str = "/v1/pbx/freeswitch/dialplan";
/// The helpline's number as the trunk delivers it: `+` is a regex
/// metacharacter, so the answer's condition must escape it.
const DID: &str = "+448001234567";
const DID_EXPRESSION: &str = r"^\+448001234567$";
const ANN: &str = "07700900123";

/// A look-up's form fields, in the order FreeSWITCH posts them.
struct Lookup(Vec<(String, String)>);

impl Lookup {
    /// What FreeSWITCH 1.10 posts for an inbound SIP call routed in the
    /// `public` context: mod_xml_curl's five fields, then the
    /// REQUEST_PARAMS event with the channel's `Caller-*`, the hunted
    /// profile's `Hunt-*` and the channel variables (a real one has about
    /// 140 fields; fairline must ignore those it does not use).
    fn sip(uuid: &str, caller: &str, destination: &str) -> Self {
        let channel = format!("sofia/internal/{caller}@192.0.2.20:5060");
        let fields: Vec<(&str, String)> = vec![
            ("hostname", "fs1".into()),
            ("section", "dialplan".into()),
            ("tag_name", "".into()),
            ("key_name", "".into()),
            ("key_value", "".into()),
            ("Event-Name", "REQUEST_PARAMS".into()),
            ("Core-UUID", "6b9f3c1e-2a4d-4e8b-9c1f-0d2e3f4a5b6c".into()),
            ("FreeSWITCH-Hostname", "fs1".into()),
            ("FreeSWITCH-Switchname", "fs1".into()),
            ("FreeSWITCH-IPv4", "192.0.2.10".into()),
            ("FreeSWITCH-IPv6", "::1".into()),
            ("Event-Date-Local", "2026-11-23 10:15:02".into()),
            ("Event-Date-GMT", "Mon, 23 Nov 2026 10:15:02 GMT".into()),
            ("Event-Date-Timestamp", "1795428902123456".into()),
            ("Event-Calling-File", "mod_dialplan_xml.c".into()),
            ("Event-Calling-Function", "dialplan_xml_locate".into()),
            ("Event-Calling-Line-Number", "636".into()),
            ("Event-Sequence", "5127".into()),
            ("Channel-State", "CS_ROUTING".into()),
            ("Channel-Call-State", "RINGING".into()),
            ("Channel-State-Number", "2".into()),
            ("Channel-Name", channel.clone()),
            ("Unique-ID", uuid.into()),
            ("Call-Direction", "inbound".into()),
            ("Presence-Call-Direction", "inbound".into()),
            ("Channel-HIT-Dialplan", "true".into()),
            ("Channel-Presence-ID", format!("{caller}@192.0.2.10")),
            ("Channel-Call-UUID", uuid.into()),
            ("Answer-State", "ringing".into()),
            ("Caller-Direction", "inbound".into()),
            ("Caller-Logical-Direction", "inbound".into()),
            ("Caller-Username", caller.into()),
            ("Caller-Dialplan", "XML".into()),
            ("Caller-Caller-ID-Name", "A Parent".into()),
            ("Caller-Caller-ID-Number", caller.into()),
            ("Caller-Orig-Caller-ID-Name", "A Parent".into()),
            ("Caller-Orig-Caller-ID-Number", caller.into()),
            ("Caller-Network-Addr", "192.0.2.20".into()),
            ("Caller-ANI", caller.into()),
            ("Caller-Destination-Number", destination.into()),
            ("Caller-Unique-ID", uuid.into()),
            ("Caller-Source", "mod_sofia".into()),
            ("Caller-Context", "public".into()),
            ("Caller-Channel-Name", channel.clone()),
            ("Caller-Profile-Index", "1".into()),
            ("Caller-Profile-Created-Time", "1795428902103456".into()),
            ("Caller-Channel-Created-Time", "1795428902103456".into()),
            ("Caller-Channel-Answered-Time", "0".into()),
            ("Caller-Channel-Hangup-Time", "0".into()),
            ("Caller-Screen-Bit", "true".into()),
            ("Caller-Privacy-Hide-Name", "false".into()),
            ("Caller-Privacy-Hide-Number", "false".into()),
            ("Hunt-Direction", "inbound".into()),
            ("Hunt-Username", caller.into()),
            ("Hunt-Dialplan", "XML".into()),
            ("Hunt-Caller-ID-Name", "A Parent".into()),
            ("Hunt-Caller-ID-Number", caller.into()),
            ("Hunt-Destination-Number", destination.into()),
            ("Hunt-Unique-ID", uuid.into()),
            ("Hunt-Source", "mod_sofia".into()),
            ("Hunt-Context", "public".into()),
            ("Hunt-Channel-Name", channel.clone()),
            ("Hunt-Privacy-Hide-Name", "false".into()),
            ("Hunt-Privacy-Hide-Number", "false".into()),
            ("variable_direction", "inbound".into()),
            ("variable_uuid", uuid.into()),
            ("variable_session_id", "42".into()),
            ("variable_sip_from_user", caller.into()),
            ("variable_sip_from_uri", format!("{caller}@192.0.2.20")),
            ("variable_sip_from_host", "192.0.2.20".into()),
            ("variable_sip_to_user", destination.into()),
            ("variable_sip_req_user", destination.into()),
            ("variable_sip_call_id", "3c2a9e5f1b7d@192.0.2.20".into()),
            ("variable_sip_user_agent", "Trunk-SBC/4.2".into()),
            ("variable_sip_via_protocol", "udp".into()),
            ("variable_sip_network_ip", "192.0.2.20".into()),
            ("variable_sip_network_port", "5060".into()),
            ("variable_sip_profile_name", "internal".into()),
            ("variable_sofia_profile_name", "internal".into()),
            ("variable_channel_name", channel),
            ("variable_max_forwards", "69".into()),
            ("variable_call_uuid", uuid.into()),
        ];
        Lookup(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// A loopback channel's look-up (`originate loopback/…`): no caller id
    /// name fields and none of the `variable_sip_*`.
    fn loopback(uuid: &str, caller: &str, destination: &str) -> Self {
        let mut lookup = Lookup::sip(uuid, caller, destination);
        lookup
            .0
            .retain(|(k, _)| !k.ends_with("Caller-ID-Name") && !k.starts_with("variable_sip_"));
        let channel = format!("loopback/{destination}-a");
        for name in [
            "Channel-Name",
            "Caller-Channel-Name",
            "Hunt-Channel-Name",
            "variable_channel_name",
        ] {
            lookup = lookup.set(name, &channel);
        }
        lookup
            .set("Caller-Source", "mod_loopback")
            .set("Hunt-Source", "mod_loopback")
            .set("variable_sofia_profile_name", "")
    }

    /// The look-up FreeSWITCH makes when our `transfer` runs: same channel,
    /// the target as the destination, and the variables our answer set.
    fn transfer_of(uuid: &str, caller: &str, target: &str) -> Self {
        Lookup::sip(uuid, caller, target)
            .set("Caller-Profile-Index", "2")
            .set("variable_fairline_action", "route")
            .set("variable_fairline_target", target)
            .set("variable_fairline_reason", "default")
            .set("variable_fairline_call_id", uuid)
    }

    fn set(mut self, name: &str, value: &str) -> Self {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some(field) => field.1 = value.to_owned(),
            None => self.0.push((name.to_owned(), value.to_owned())),
        }
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.0.retain(|(k, _)| k != name);
        self
    }
}

#[derive(Debug, PartialEq)]
enum Answer {
    NotFound,
    Dialplan {
        context: String,
        expression: String,
        actions: Vec<(String, String)>,
    },
}

fn elements<'a, 'i>(node: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children().filter(|n| n.is_element()).collect()
}

/// The one child element of `node`, which must be a `tag`.
fn only<'a, 'i>(node: roxmltree::Node<'a, 'i>, tag: &str, xml: &str) -> roxmltree::Node<'a, 'i> {
    match elements(node)[..] {
        [child] if child.has_tag_name(tag) => child,
        _ => panic!(
            "expected one <{tag}> in <{}>: {xml}",
            node.tag_name().name()
        ),
    }
}

/// Reads an answer as FreeSWITCH does: a `freeswitch/xml` document with
/// either the "not found" result or one dialplan context, extension and
/// condition whose actions run in order.
fn read_answer(xml: &str) -> Answer {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not XML ({e}): {xml}"));
    let root = doc.root_element();
    assert!(root.has_tag_name("document"), "{xml}");
    assert_eq!(root.attribute("type"), Some("freeswitch/xml"), "{xml}");
    let section = only(root, "section", xml);
    match section.attribute("name") {
        Some("result") => {
            let result = only(section, "result", xml);
            assert_eq!(result.attribute("status"), Some("not found"), "{xml}");
            Answer::NotFound
        }
        Some("dialplan") => {
            assert_eq!(section.attribute("description"), Some("fairline"));
            let context = only(section, "context", xml);
            let extension = only(context, "extension", xml);
            assert_eq!(extension.attribute("name"), Some("fairline"));
            let condition = only(extension, "condition", xml);
            assert_eq!(condition.attribute("field"), Some("destination_number"));
            let actions = elements(condition)
                .into_iter()
                .map(|action| {
                    assert!(action.has_tag_name("action"), "{xml}");
                    (
                        action.attribute("application").unwrap().to_owned(),
                        action.attribute("data").unwrap_or("").to_owned(),
                    )
                })
                .collect();
            Answer::Dialplan {
                context: context.attribute("name").unwrap().to_owned(),
                expression: condition.attribute("expression").unwrap().to_owned(),
                actions,
            }
        }
        other => panic!("unexpected section {other:?}: {xml}"),
    }
}

/// Posts a look-up as mod_xml_curl does (form body, HTTP Basic with the key
/// as the password); returns the status and the raw body.
async fn post(app: &TestApp, lookup: &Lookup, key: Option<&str>) -> (StatusCode, String) {
    let mut req = app
        .client
        .post(format!("{}{PATH}", app.base))
        .header("User-Agent", "freeswitch-xml/1.0")
        .form(&lookup.0);
    if let Some(key) = key {
        req = req.basic_auth("freeswitch", Some(key));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    if status == StatusCode::OK {
        assert_eq!(resp.headers()["content-type"], "text/xml");
    }
    (status, resp.text().await.unwrap())
}

async fn ask(app: &TestApp, lookup: &Lookup) -> Answer {
    let (status, body) = post(app, lookup, Some(&app.keys["pbx"])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    read_answer(&body)
}

/// The `set`s every answer starts with, then `rest`.
fn actions(decision: [&str; 4], call_id: &str, rest: &[(&str, &str)]) -> Vec<(String, String)> {
    let [action, target, prompt, reason] = decision;
    [
        format!("fairline_action={action}"),
        format!("fairline_target={target}"),
        format!("fairline_prompt={prompt}"),
        format!("fairline_reason={reason}"),
        format!("fairline_call_id={call_id}"),
    ]
    .into_iter()
    .map(|data| ("set".to_owned(), data))
    .chain(rest.iter().map(|(a, d)| ((*a).to_owned(), (*d).to_owned())))
    .collect()
}

fn dialplan(actions: Vec<(String, String)>) -> Answer {
    Answer::Dialplan {
        context: "public".into(),
        expression: DID_EXPRESSION.into(),
        actions,
    }
}

const ROUTE: &[(&str, &str)] = &[("transfer", "helpline XML public")];

#[tokio::test]
async fn an_unknown_caller_is_routed_to_the_helpline() {
    let app = spawn_app().await;
    let answer = ask(&app, &Lookup::sip("uuid-route-1", ANN, DID)).await;
    assert_eq!(
        answer,
        dialplan(actions(
            ["route", "helpline", "", "default"],
            "uuid-route-1",
            ROUTE
        ))
    );
}

#[tokio::test]
async fn the_context_is_the_one_being_hunted() {
    let app = spawn_app_with(&[(
        "FAIRLINE_FREESWITCH_CONTEXTS",
        r#"["helpline-inbound", "legacy"]"#,
    )])
    .await;
    let lookup = Lookup::sip("uuid-ctx-1", ANN, DID)
        .set("Hunt-Context", "helpline-inbound")
        .set("Caller-Context", "helpline-inbound");
    let Answer::Dialplan {
        context, actions, ..
    } = ask(&app, &lookup).await
    else {
        panic!("not a dialplan");
    };
    assert_eq!(context, "helpline-inbound");
    assert_eq!(
        actions.last().unwrap(),
        &("transfer".into(), "helpline XML helpline-inbound".into())
    );

    // Without Hunt-Context (older FreeSWITCH), the channel's context.
    let older = Lookup::sip("uuid-ctx-2", ANN, DID)
        .without("Hunt-Context")
        .set("Caller-Context", "legacy");
    let Answer::Dialplan { context, .. } = ask(&app, &older).await else {
        panic!("not a dialplan");
    };
    assert_eq!(context, "legacy");
}

#[tokio::test]
async fn a_caller_over_an_agreed_frequency_is_diverted_to_voicemail() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.measure(
        ann,
        json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
    )
    .await;
    assert_eq!(
        ask(&app, &Lookup::sip("uuid-freq-1", ANN, DID)).await,
        dialplan(actions(
            ["route", "helpline", "", "default"],
            "uuid-freq-1",
            ROUTE
        ))
    );
    // Told when the day's limit resets: midnight in London, the service's
    // timezone (the one after the look-up's moment, on either side of it).
    let before = crate::next_allowed::london_midnight_after(chrono::Utc::now());
    let answer = ask(&app, &Lookup::sip("uuid-freq-2", ANN, DID)).await;
    let after = crate::next_allowed::london_midnight_after(chrono::Utc::now());
    let diverted = |midnight: chrono::DateTime<chrono::Utc>| {
        let epoch = midnight.timestamp();
        dialplan(actions(
            [
                "divert",
                "voicemail",
                "fairline-over-agreed-frequency",
                "frequency_limit",
            ],
            "uuid-freq-2",
            &[
                ("set", &format!("fairline_next_allowed={epoch}")),
                ("answer", ""),
                ("playback", "fairline-over-agreed-frequency"),
                ("set", "timezone=Europe/London"),
                ("say", &format!("en current_date_time pronounced {epoch}")),
                ("voicemail", "default ${domain_name} voicemail"),
            ],
        ))
    };
    assert!(
        answer == diverted(before) || answer == diverted(after),
        "{answer:?}"
    );
    assert_eq!(app.history(ann).await.len(), 2);
}

#[tokio::test]
async fn a_blocked_caller_is_rejected_before_anything_answers() {
    let app = spawn_app().await;
    app.blocked_person("Ann", "07700 900123").await;
    let Answer::Dialplan { actions: got, .. } =
        ask(&app, &Lookup::sip("uuid-block-1", ANN, DID)).await
    else {
        panic!("not a dialplan");
    };
    assert_eq!(
        got,
        actions(
            ["block", "", "fairline-blocked", "block_measure"],
            "uuid-block-1",
            &[("hangup", "CALL_REJECTED")]
        )
    );
    // Nothing that answers or plays media (which needs an answer) runs
    // before the rejection; here nothing runs after it either.
    let apps: Vec<_> = got.iter().map(|(a, _)| a.as_str()).collect();
    let hangup = apps.iter().position(|a| *a == "hangup").unwrap();
    assert!(
        apps[..hangup].iter().all(|a| *a == "set"),
        "only variables are set before the rejection: {apps:?}"
    );
    assert_eq!(hangup, apps.len() - 1);
}

#[tokio::test]
async fn an_announcement_plays_then_the_call_is_routed() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.measure(
        ann,
        json!({
            "kind": "frequency_limit", "max_contacts": 1, "per": "day",
            "on_breach": {"action": "announce", "prompt": "fairline-please-keep-it-brief"},
        }),
    )
    .await;
    ask(&app, &Lookup::sip("uuid-ann-1", ANN, DID)).await;
    assert_eq!(
        ask(&app, &Lookup::sip("uuid-ann-2", ANN, DID)).await,
        dialplan(actions(
            [
                "announce",
                "helpline",
                "fairline-please-keep-it-brief",
                "frequency_limit"
            ],
            "uuid-ann-2",
            &[
                ("answer", ""),
                ("playback", "fairline-please-keep-it-brief"),
                ("transfer", "helpline XML public"),
            ]
        ))
    );
}

#[tokio::test]
async fn the_transfer_look_up_for_a_screened_call_is_left_to_the_static_dialplan() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let routed = dialplan(actions(
        ["route", "helpline", "", "default"],
        "uuid-loop-1",
        ROUTE,
    ));
    assert_eq!(
        ask(&app, &Lookup::sip("uuid-loop-1", ANN, DID)).await,
        routed
    );

    // The `transfer` comes back as a look-up for `helpline`, same channel.
    assert_eq!(
        ask(&app, &Lookup::transfer_of("uuid-loop-1", ANN, "helpline")).await,
        Answer::NotFound
    );
    // Wherever the static dialplan sends the call next (an advisor, an
    // overflow), fairline stays out: the call was decided once.
    assert_eq!(
        ask(&app, &Lookup::transfer_of("uuid-loop-1", ANN, "2001")).await,
        Answer::NotFound
    );
    // A PBX that posts no channel variables is recognised by the target.
    let bare = Lookup::sip("uuid-loop-1", ANN, "helpline").set("Caller-Profile-Index", "2");
    assert_eq!(ask(&app, &bare).await, Answer::NotFound);
    // A repeat of the first look-up (its answer never ran) gets the first
    // answer again, not a second decision.
    assert_eq!(
        ask(&app, &Lookup::sip("uuid-loop-1", ANN, DID)).await,
        routed
    );

    assert_eq!(app.history(ann).await.len(), 1, "the call is recorded once");
}

#[tokio::test]
async fn a_call_the_static_dialplan_marked_as_handled_is_not_screened() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    // fairline was down for the first look-up; the static dialplan routed
    // the call and set fairline_call_id, and the queue now overflows.
    let overflow = Lookup::sip("uuid-marked-1", ANN, "voicemail")
        .set("variable_fairline_call_id", "uuid-marked-1");
    assert_eq!(ask(&app, &overflow).await, Answer::NotFound);
    // Another channel's id does not count.
    let other =
        Lookup::sip("uuid-marked-2", ANN, DID).set("variable_fairline_call_id", "uuid-marked-1");
    assert!(matches!(ask(&app, &other).await, Answer::Dialplan { .. }));
    assert_eq!(app.history(ann).await.len(), 1);
}

#[tokio::test]
async fn look_ups_for_other_sections_are_not_found() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let directory = Lookup::sip("uuid-dir-1", ANN, DID)
        .set("section", "directory")
        .set("tag_name", "domain")
        .set("key_name", "name")
        .set("key_value", "192.0.2.10")
        .set("Event-Calling-Function", "switch_xml_locate_user");
    assert_eq!(ask(&app, &directory).await, Answer::NotFound);
    let configuration = Lookup::sip("uuid-cfg-1", ANN, DID)
        .set("section", "configuration")
        .set("tag_name", "configuration")
        .set("key_name", "name")
        .set("key_value", "ivr.conf");
    assert_eq!(ask(&app, &configuration).await, Answer::NotFound);
    assert!(app.history(ann).await.is_empty(), "nothing is screened");
}

#[tokio::test]
async fn a_look_up_fairline_cannot_screen_is_not_found_and_records_nothing() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let base = || Lookup::sip("uuid-bad-1", ANN, DID);
    for (what, lookup) in [
        ("no Unique-ID", base().without("Unique-ID")),
        ("an empty Unique-ID", base().set("Unique-ID", "")),
        (
            "no destination",
            base().without("Caller-Destination-Number"),
        ),
        (
            "no caller id number",
            base().without("Caller-Caller-ID-Number"),
        ),
        (
            "a caller id that is no number",
            base().set("Caller-Caller-ID-Number", "not-a-number"),
        ),
        (
            "no context",
            base().without("Hunt-Context").without("Caller-Context"),
        ),
        (
            "an unreadable urgent flag",
            base().set("variable_fairline_urgent", "maybe"),
        ),
        (
            "a destination FreeSWITCH would expand",
            base().set("Caller-Destination-Number", "${system(id)}"),
        ),
    ] {
        assert_eq!(ask(&app, &lookup).await, Answer::NotFound, "{what}");
    }
    // A body that is not a form at all.
    let resp = app
        .client
        .post(format!("{}{PATH}", app.base))
        .basic_auth("freeswitch", Some(&app.keys["pbx"]))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, b'=', 0xfd])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(read_answer(&resp.text().await.unwrap()), Answer::NotFound);
    assert!(app.history(ann).await.is_empty());
}

#[tokio::test]
async fn everything_in_the_answer_is_escaped_for_xml() {
    // Targets and prompts are PBX-safe names (tests/api/hostile_pbx.rs);
    // the call id and the destination come from the PBX and may hold any
    // of the characters XML reserves.
    let app = spawn_app().await;
    let nasty = r#"a<b&"c'>"#;
    let call_id = format!("uuid-{nasty}");
    let destination = format!("0800{nasty}");
    let (status, body) = post(
        &app,
        &Lookup::sip(&call_id, ANN, &destination),
        Some(&app.keys["pbx"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains(nasty), "raw text in the XML: {body}");
    assert_eq!(
        read_answer(&body),
        Answer::Dialplan {
            context: "public".into(),
            expression: format!("^0800{nasty}$"),
            actions: actions(["route", "helpline", "", "default"], &call_id, ROUTE),
        }
    );
}

#[tokio::test]
async fn a_loopback_call_without_sip_fields_is_screened() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let lookup = Lookup::loopback("uuid-lo-1", ANN, DID);
    assert!(lookup.0.iter().all(|(k, _)| !k.contains("Caller-ID-Name")));
    assert_eq!(
        ask(&app, &lookup).await,
        dialplan(actions(
            ["route", "helpline", "", "default"],
            "uuid-lo-1",
            ROUTE
        ))
    );
    assert_eq!(app.history(ann).await.len(), 1);
}

#[tokio::test]
async fn a_withheld_number_gets_the_withheld_policy_not_the_persons_measures() {
    let app = spawn_app().await;
    let ann = app.blocked_person("Ann", "07700 900123").await;
    for (uuid, lookup) in [
        (
            "uuid-priv-1",
            Lookup::sip("uuid-priv-1", ANN, DID)
                .set("Caller-Privacy-Hide-Number", "true")
                .set("Hunt-Privacy-Hide-Number", "true"),
        ),
        (
            "uuid-priv-2",
            Lookup::sip("uuid-priv-2", ANN, DID).set("variable_sip_privacy", "id"),
        ),
        ("uuid-priv-3", Lookup::sip("uuid-priv-3", "anonymous", DID)),
        ("uuid-priv-4", Lookup::sip("uuid-priv-4", "0000000000", DID)),
    ] {
        assert_eq!(
            ask(&app, &lookup).await,
            dialplan(actions(["route", "helpline", "", "withheld"], uuid, ROUTE)),
            "{uuid}"
        );
    }
    assert!(app.history(ann).await.is_empty());
}

#[tokio::test]
async fn the_urgent_option_set_by_an_ivr_gets_through_a_block() {
    let app = spawn_app().await;
    let ann = app.blocked_person("Ann", "07700 900123").await;
    let lookup = Lookup::sip("uuid-urgent-1", ANN, DID).set("variable_fairline_urgent", "1");
    assert_eq!(
        ask(&app, &lookup).await,
        dialplan(actions(
            ["route", "helpline", "", "urgent"],
            "uuid-urgent-1",
            ROUTE
        ))
    );
    assert_eq!(app.history(ann).await[0]["urgent"], true);
}

#[tokio::test]
async fn only_a_pbx_or_admin_key_may_ask() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let lookup = Lookup::sip("uuid-auth-1", ANN, DID);
    let (status, _) = post(&app, &lookup, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post(&app, &lookup, Some("fl_not-a-key")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post(&app, &lookup, Some(&app.keys["supervisor"])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(app.history(ann).await.is_empty());
    let (status, body) = post(&app, &lookup, Some(&app.keys["admin"])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(matches!(read_answer(&body), Answer::Dialplan { .. }));
}

#[tokio::test]
async fn a_look_up_in_a_context_that_is_not_the_helplines_is_left_to_freeswitch() {
    // freeswitch_contexts is ["public"] unless set: an internal extension
    // calling another (context "default", caller id "1001", which is no
    // phone number) is FreeSWITCH's own business, not a warning.
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let internal = Lookup::sip("uuid-int-1", "1001", "2001")
        .set("Hunt-Context", "default")
        .set("Caller-Context", "default");
    assert_eq!(ask(&app, &internal).await, Answer::NotFound);
    let from_ann = Lookup::sip("uuid-int-2", ANN, DID)
        .set("Hunt-Context", "features")
        .set("Caller-Context", "features");
    assert_eq!(ask(&app, &from_ann).await, Answer::NotFound);
    assert!(app.history(ann).await.is_empty(), "nothing recorded");
    // The helpline's context is screened as before.
    assert!(matches!(
        ask(&app, &Lookup::sip("uuid-int-3", ANN, DID)).await,
        Answer::Dialplan { .. }
    ));
    assert_eq!(app.history(ann).await.len(), 1);

    // An empty list screens every context, as before the setting.
    let every = spawn_app_with(&[("FAIRLINE_FREESWITCH_CONTEXTS", "[]")]).await;
    let other = Lookup::sip("uuid-int-4", ANN, DID)
        .set("Hunt-Context", "features")
        .set("Caller-Context", "features");
    assert!(matches!(ask(&every, &other).await, Answer::Dialplan { .. }));
}

#[tokio::test]
async fn a_look_up_for_a_number_that_is_not_the_helplines_is_left_to_freeswitch() {
    let app = spawn_app_with(&[("FAIRLINE_SCREEN_NUMBERS", r#"["0800 123 4567"]"#)]).await;
    let ann = app.blocked_person("Ann", "07700 900123").await;
    // A complaints line, an internal extension, a feature code: a blocked
    // person can reach them all.
    for (uuid, destination) in [
        ("uuid-num-1", "+448009999999"),
        ("uuid-num-2", "2001"),
        ("uuid-num-3", "*97"),
    ] {
        let lookup = Lookup::sip(uuid, ANN, destination);
        assert_eq!(ask(&app, &lookup).await, Answer::NotFound, "{destination}");
    }
    assert!(app.history(ann).await.is_empty(), "nothing recorded");
    // The helpline's number, as the trunk writes it, is screened.
    let Answer::Dialplan { actions: got, .. } =
        ask(&app, &Lookup::sip("uuid-num-4", ANN, DID)).await
    else {
        panic!("not a dialplan");
    };
    assert_eq!(
        got.last().unwrap(),
        &("hangup".into(), "CALL_REJECTED".into())
    );
    assert_eq!(app.history(ann).await.len(), 1);
}

/// A sample file from docker/freeswitch/.
fn freeswitch_sample(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docker/freeswitch")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// The applications (and their data) of the extension matching `expression`.
fn extension_actions(doc: &roxmltree::Document, expression: &str) -> Vec<(String, String)> {
    let condition = doc
        .descendants()
        .find(|n| n.has_tag_name("condition") && n.attribute("expression") == Some(expression))
        .unwrap_or_else(|| panic!("no extension for {expression}"));
    elements(condition)
        .into_iter()
        .map(|a| {
            (
                a.attribute("application").unwrap_or("").to_owned(),
                a.attribute("data").unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_freeswitch_samples_hold_what_the_readme_says_they_need() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();

    // xml_curl.conf.xml: dialplan look-ups only, to fairline, as a form with
    // the key as the Basic password, with a timeout; mod_xml_curl loaded.
    let text = freeswitch_sample("xml_curl.conf.xml");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let param = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("param") && n.attribute("name") == Some(name))
    };
    let url = param("gateway-url").unwrap();
    assert!(url.attribute("value").unwrap().ends_with(PATH));
    assert_eq!(url.attribute("bindings"), Some("dialplan"));
    assert_eq!(
        param("auth-scheme").unwrap().attribute("value"),
        Some("basic")
    );
    assert!(param("gateway-credentials").is_some());
    assert!(param("method").is_none(), "a method other than POST's form");
    let timeout: u32 = param("timeout")
        .unwrap()
        .attribute("value")
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=5).contains(&timeout), "{timeout}");
    assert!(text.contains(r#"<load module="mod_xml_curl"/>"#));
    assert!(readme.contains(r#"<load module="mod_xml_curl"/>"#));

    // public.xml: the default context, and an extension for each default
    // target: the helpline's queue, the voicemail box a divert leaves a
    // message in, and the advisors' extensions.
    let text = freeswitch_sample("dialplan/public.xml");
    let doc = roxmltree::Document::parse(&text).unwrap();
    let contexts: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("context"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(contexts, ["public"], "freeswitch_contexts' default");
    let helpline = extension_actions(&doc, "^helpline$");
    assert!(
        helpline.contains(&("callcenter".into(), "helpline@default".into())),
        "{helpline:?}"
    );
    assert!(readme.contains("`helpline@default`"));
    let voicemail = extension_actions(&doc, "^voicemail$");
    // The same box fairline's divert answer runs (see the divert test).
    assert!(
        voicemail.contains(&(
            "voicemail".into(),
            "default ${domain_name} voicemail".into()
        )),
        "{voicemail:?}"
    );
    assert!(readme.contains("`voicemail default ${domain_name} voicemail`"));
    let advisor = extension_actions(&doc, r"^(2\d{3})$");
    assert!(
        advisor.contains(&("bridge".into(), "user/$1@${domain_name}".into())),
        "{advisor:?}"
    );
    assert!(readme.contains("`user/2xxx@${domain_name}`"));
    assert!(readme.contains("`sound_prefix`"));
}
