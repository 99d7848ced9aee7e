//! Each of fairline's answers, acted on by the sample dialplans: what
//! Asterisk did is read from the test targets' records.

use crate::fairline::Fairline;
use crate::pbx::{Asterisk, Dialplan, Record};

fn assert_routed(call: &Record, target: &str) {
    assert_eq!(call.get("action"), "route", "{call:?}");
    assert_eq!(call.get("reached"), target, "{call:?}");
    assert_eq!(call.get("playback"), "", "no prompt is played: {call:?}");
    assert_eq!(call.get("cause"), "16", "a normal clearing: {call:?}");
}

fn assert_prompt_then(call: &Record, action: &str, prompt: &str, target: &str) {
    assert_eq!(call.get("action"), action, "{call:?}");
    assert_eq!(call.get("prompt"), prompt, "{call:?}");
    assert_eq!(
        call.get("playback"),
        "SUCCESS",
        "the prompt was played: {call:?}"
    );
    assert_eq!(call.get("reached"), target, "{call:?}");
}

/// The diverted `call`'s channel said, with SayUnixTime in the service's
/// timezone (the samples' FAIRLINE_TZ), when the caller can next get
/// through: the epoch fairline answered, a local midnight here (a daily
/// limit). With `digits`, the date and time were really played.
async fn assert_told_when(asterisk: &Asterisk, fairline: &Fairline, call: &Record, digits: bool) {
    let answer = fairline
        .answer_for(call.get("caller"), call.get("uniqueid"))
        .await;
    let epoch = answer["next_allowed_epoch"]
        .as_i64()
        .unwrap_or_else(|| panic!("no next_allowed_epoch: {answer}"));
    let local = chrono::DateTime::from_timestamp(epoch, 0)
        .unwrap()
        .with_timezone(&chrono_tz::Europe::London);
    assert_eq!(local.time(), chrono::NaiveTime::MIN, "{answer}");
    assert_eq!(call.get("next_allowed"), epoch.to_string(), "{call:?}");
    let log = asterisk.log();
    let said = format!("\"SayUnixTime({epoch},Europe/London,ABd 'digits/at' IMp)\"");
    let line = log
        .lines()
        .find(|l| l.contains("Executing [") && l.contains(&said))
        .unwrap_or_else(|| panic!("no {said}:\n{}", asterisk.diagnostics()));
    if digits {
        // `TryExec("Local/...;2", "SayUnixTime(...)")`: that channel then
        // played the date and time.
        let channel = line
            .split("TryExec(\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let after = &log[log.find(line).unwrap()..];
        assert!(
            after.contains(&format!("<{channel}> Playing 'digits/at")),
            "{channel} did not say the time:\n{}",
            asterisk.diagnostics()
        );
    }
}

fn assert_blocked(asterisk: &Asterisk, call: &Record, caller: &str) {
    assert_eq!(call.get("action"), "block", "{call:?}");
    assert_eq!(call.get("prompt"), "fairline-blocked", "{call:?}");
    assert_eq!(
        call.get("playback"),
        "SUCCESS",
        "the prompt was played: {call:?}"
    );
    assert_eq!(call.get("reached"), "", "no target is reached: {call:?}");
    assert_eq!(call.get("cause"), "21", "hung up as rejected: {call:?}");
    assert!(
        asterisk.reached(caller).is_empty(),
        "{:?}",
        asterisk.records()
    );
}

#[tokio::test]
async fn an_unknown_caller_is_put_through_to_the_helpline() {
    let fairline = Fairline::start();
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);
    let call = asterisk.call("07700900100").await;
    assert_routed(&call, "helpline");
    assert_eq!(call.get("target"), "helpline");
}

#[tokio::test]
async fn a_caller_over_their_frequency_limit_hears_the_prompt_and_is_diverted_to_voicemail() {
    let fairline = Fairline::start();
    fairline
        .limited_caller("07700 900201", "divert", "fairline-limit-reached")
        .await;
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);
    let first = asterisk.call("07700900201").await;
    assert_routed(&first, "helpline");
    let second = asterisk.call("07700900201").await;
    assert_prompt_then(&second, "divert", "fairline-limit-reached", "voicemail");
}

#[tokio::test]
async fn a_diverted_caller_hears_when_they_can_next_get_through_then_reaches_voicemail() {
    let fairline = Fairline::start();
    fairline
        .limited_caller("07700 900205", "divert", "fairline-limit-reached")
        .await;
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);
    assert_routed(&asterisk.call("07700900205").await, "helpline");
    let second = asterisk.call("07700900205").await;
    assert_prompt_then(&second, "divert", "fairline-limit-reached", "voicemail");
    assert_told_when(&asterisk, &fairline, &second, true).await;
}

#[tokio::test]
async fn without_the_digit_sounds_a_diverted_caller_still_reaches_voicemail() {
    let fairline = Fairline::start();
    fairline
        .limited_caller("07700 900206", "divert", "fairline-limit-reached")
        .await;
    let asterisk = Asterisk::start_without_digit_sounds(Dialplan::Form, &fairline);
    assert_routed(&asterisk.call("07700900206").await, "helpline");
    let second = asterisk.call("07700900206").await;
    // SayUnixTime fails for want of its sounds; TryExec goes on.
    assert_told_when(&asterisk, &fairline, &second, false).await;
    assert_prompt_then(&second, "divert", "fairline-limit-reached", "voicemail");
    assert_eq!(second.get("cause"), "16", "a normal clearing: {second:?}");
}

#[tokio::test]
async fn a_caller_with_an_announce_measure_hears_the_reminder_then_reaches_the_helpline() {
    let fairline = Fairline::start();
    fairline
        .limited_caller("07700 900202", "announce", "fairline-reminder")
        .await;
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);
    let first = asterisk.call("07700900202").await;
    assert_routed(&first, "helpline");
    let second = asterisk.call("07700900202").await;
    assert_prompt_then(&second, "announce", "fairline-reminder", "helpline");
}

#[tokio::test]
async fn a_blocked_caller_is_played_the_prompt_and_hung_up() {
    let fairline = Fairline::start();
    fairline.blocked_caller("07700 900203").await;
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);
    let call = asterisk.call("07700900203").await;
    assert_blocked(&asterisk, &call, "07700900203");
}

#[tokio::test]
async fn a_number_in_a_blocked_range_is_played_the_prompt_and_hung_up() {
    let fairline = Fairline::start();
    fairline.block_prefix("07700 901").await;
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);
    let call = asterisk.call("07700901555").await;
    assert_blocked(&asterisk, &call, "07700901555");
    // The neighbouring range is not blocked.
    assert_routed(&asterisk.call("07700902555").await, "helpline");
}

/// Route, announce, divert and block through one dialplan.
async fn every_action_through(dialplan: Dialplan) {
    let fairline = Fairline::start();
    fairline
        .limited_caller("07700 900301", "announce", "fairline-reminder")
        .await;
    fairline
        .limited_caller("07700 900302", "divert", "fairline-limit-reached")
        .await;
    fairline.blocked_caller("07700 900303").await;
    let asterisk = Asterisk::start(dialplan, &fairline);

    assert_routed(&asterisk.call("07700900300").await, "helpline");
    assert_routed(&asterisk.call("07700900301").await, "helpline");
    let announced = asterisk.call("07700900301").await;
    assert_prompt_then(&announced, "announce", "fairline-reminder", "helpline");
    assert_routed(&asterisk.call("07700900302").await, "helpline");
    let diverted = asterisk.call("07700900302").await;
    assert_prompt_then(&diverted, "divert", "fairline-limit-reached", "voicemail");
    assert_told_when(&asterisk, &fairline, &diverted, true).await;
    let blocked = asterisk.call("07700900303").await;
    assert_blocked(&asterisk, &blocked, "07700900303");
}

#[tokio::test]
async fn the_json_dialplan_routes_announces_diverts_and_blocks() {
    every_action_through(Dialplan::Json).await;
}

#[tokio::test]
async fn the_fastagi_dialplan_routes_announces_diverts_and_blocks() {
    every_action_through(Dialplan::Agi).await;
}

#[tokio::test]
async fn a_prompt_nobody_recorded_is_skipped_and_the_call_goes_on() {
    let fairline = Fairline::start();
    fairline
        .limited_caller("07700 900204", "announce", "fairline-never-recorded")
        .await;
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);
    assert_routed(&asterisk.call("07700900204").await, "helpline");
    let second = asterisk.call("07700900204").await;
    assert_eq!(second.get("action"), "announce", "{second:?}");
    assert_eq!(second.get("playback"), "FAILED", "{second:?}");
    assert_eq!(second.get("reached"), "helpline", "{second:?}");
}
