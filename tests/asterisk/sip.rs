//! Real SIP INVITEs from sipp into the sample's trunk (pjsip.conf): the
//! caller's number travels in the From header, as from a carrier.

use crate::fairline::Fairline;
use crate::pbx::{Asterisk, Dialplan, Sip};

#[tokio::test]
async fn a_sip_call_from_an_unknown_caller_is_answered_by_the_helpline() {
    let fairline = Fairline::start();
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);
    asterisk
        .sip_call("07700900500", Sip::Answered)
        .unwrap_or_else(|e| panic!("{e}"));
    let reached = asterisk.wait_for_reached("07700900500", 1).await;
    assert_eq!(reached.get("target"), "helpline", "{reached:?}");
    assert_eq!(reached.get("action"), "route", "{reached:?}");
}

#[tokio::test]
async fn a_blocked_sip_caller_hears_the_prompt_as_early_media_and_is_refused_unanswered() {
    let fairline = Fairline::start();
    let person = fairline.blocked_caller("07700 900501").await;
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);
    // The scenario requires 183 Session Progress (the prompt) then 403;
    // a 200 OK fails it.
    asterisk
        .sip_call("07700900501", Sip::Rejected)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        asterisk.reached("07700900501").is_empty(),
        "{:?}",
        asterisk.records()
    );
    let contacts = fairline.contacts(person).await;
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(contacts[0]["action"], "block", "{contacts:?}");
}

#[tokio::test]
async fn a_sip_caller_over_their_limit_reaches_voicemail_on_the_second_call() {
    let fairline = Fairline::start();
    fairline
        .limited_caller("07700 900502", "divert", "fairline-limit-reached")
        .await;
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);
    for _ in 0..2 {
        asterisk
            .sip_call("07700900502", Sip::Answered)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let first = asterisk.wait_for_reached("07700900502", 1).await;
    assert_eq!(
        (first.get("action"), first.get("target")),
        ("route", "helpline"),
        "{first:?}"
    );
    let second = asterisk.wait_for_reached("07700900502", 2).await;
    assert_eq!(
        (second.get("action"), second.get("target")),
        ("divert", "voicemail"),
        "{second:?}"
    );
    assert_eq!(second.get("playback"), "SUCCESS", "{second:?}");
}

#[tokio::test]
async fn a_blocked_sip_caller_is_refused_over_fastagi_too() {
    let fairline = Fairline::start();
    fairline.blocked_caller("07700 900503").await;
    let asterisk = Asterisk::start(Dialplan::Agi, &fairline);
    asterisk
        .sip_call("07700900503", Sip::Rejected)
        .unwrap_or_else(|e| panic!("{e}"));
    // And an unknown SIP caller is put through.
    asterisk
        .sip_call("07700900504", Sip::Answered)
        .unwrap_or_else(|e| panic!("{e}"));
    let reached = asterisk.wait_for_reached("07700900504", 1).await;
    assert_eq!(reached.get("action"), "route", "{reached:?}");
    assert!(
        asterisk.reached("07700900503").is_empty(),
        "{:?}",
        asterisk.records()
    );
}
