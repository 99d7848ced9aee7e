//! FAIL OPEN: whatever happens to fairline, calls still reach the helpline,
//! and quickly. The caller here is blocked, so a call that reaches the
//! helpline can only have been put through without fairline's answer.

use std::time::{Duration, Instant};

use crate::fairline::Fairline;
use crate::pbx::{Asterisk, Dialplan, Sip};

const BLOCKED: &str = "07700900600";

async fn blocked_caller_is_blocked(asterisk: &Asterisk) {
    let call = asterisk.call(BLOCKED).await;
    assert!(
        call.get("action") == "block",
        "fairline should be answering, and block: {call:?}\n{}",
        asterisk.diagnostics()
    );
}

fn assert_put_through_without_an_answer(call: &crate::pbx::Record) {
    assert_eq!(call.get("action"), "", "no answer from fairline: {call:?}");
    assert_eq!(call.get("reached"), "helpline", "{call:?}");
}

/// fairline and Asterisk on `dialplan`, with fairline seen blocking
/// `BLOCKED`: a call that gets through later got through without it.
async fn blocking(dialplan: Dialplan) -> (Fairline, Asterisk) {
    let fairline = Fairline::start();
    fairline.blocked_caller(BLOCKED).await;
    let asterisk = Asterisk::start(dialplan, &fairline);
    blocked_caller_is_blocked(&asterisk).await;
    (fairline, asterisk)
}

/// Kills fairline: the connection is refused at once, so the call goes
/// through at once. Returns Asterisk for further calls.
async fn a_dead_fairline_costs_nothing(dialplan: Dialplan) -> Asterisk {
    let (mut fairline, asterisk) = blocking(dialplan).await;
    fairline.kill();
    let started = Instant::now();
    let call = asterisk.call(BLOCKED).await;
    assert_put_through_without_an_answer(&call);
    // Connection refused is immediate; only the test advisor's second counts.
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    asterisk
}

#[tokio::test]
async fn calls_still_reach_the_helpline_when_fairline_is_down() {
    let asterisk = a_dead_fairline_costs_nothing(Dialplan::Form).await;
    // A real SIP call from the blocked number is answered too.
    asterisk
        .sip_call(BLOCKED, Sip::Answered)
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn calls_still_reach_the_helpline_when_fairline_is_down_over_fastagi() {
    a_dead_fairline_costs_nothing(Dialplan::Agi).await;
}

/// Freezes fairline (SIGSTOP): Asterisk's connection is accepted by the
/// kernel and then nothing answers. The call must go through once the
/// dialplan's CURL timeout (2 s) runs out, not after CURL's default 180 s.
async fn a_hung_fairline_costs_at_most_the_timeout(dialplan: Dialplan) {
    let (mut fairline, asterisk) = blocking(dialplan).await;

    fairline.hang();
    let started = Instant::now();
    let before = asterisk.reached(BLOCKED).len();
    asterisk.originate(BLOCKED);
    let reached = asterisk.wait_for_reached(BLOCKED, before + 1).await;
    let waited = started.elapsed();
    fairline.resume();
    assert_eq!(
        reached.get("action"),
        "",
        "no answer from fairline: {reached:?}"
    );
    assert_eq!(reached.get("target"), "helpline", "{reached:?}");
    assert!(
        waited >= Duration::from_millis(1500),
        "the call waited for the timeout, so fairline really hung: {waited:?}"
    );
    assert!(waited < Duration::from_secs(6), "{waited:?}");
}

#[tokio::test]
async fn calls_reach_the_helpline_within_the_curl_timeout_when_fairline_hangs() {
    a_hung_fairline_costs_at_most_the_timeout(Dialplan::Form).await;
}

#[tokio::test]
async fn the_json_dialplan_also_fails_open_within_the_timeout_when_fairline_hangs() {
    a_hung_fairline_costs_at_most_the_timeout(Dialplan::Json).await;
}

#[tokio::test]
async fn the_fastagi_dialplan_fails_open_within_its_timeout_when_fairline_hangs() {
    a_hung_fairline_costs_at_most_the_timeout(Dialplan::Agi).await;
}

#[tokio::test]
async fn calls_still_reach_the_helpline_when_fairline_refuses_the_key() {
    let fairline = Fairline::start();
    fairline.blocked_caller(BLOCKED).await;
    // A key fairline never issued (or one revoked): 401 on every question.
    let asterisk = Asterisk::start_with_key(Dialplan::Form, &fairline, "fl_revoked-key");
    let call = asterisk.call(BLOCKED).await;
    assert_put_through_without_an_answer(&call);
}
