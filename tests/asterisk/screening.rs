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
