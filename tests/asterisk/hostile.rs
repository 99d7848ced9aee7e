//! What a real Asterisk does when fairline's answer is not the plain case:
//! a target its dialplan lacks, a FastAGI refusal, a dual-stack listener,
//! the question asked from a subroutine, an IVR value with a comma.

use crate::fairline::Fairline;
use crate::pbx::{Asterisk, Dialplan, DIALED};

/// A single point of contact whose target is in the PBX-safe form but not
/// in the dialplan (an advisor agreed in fairline, not yet added to the
/// PBX): the sample's `i` extension puts the call through to the helpline.
/// Before it, `ann,b` made every sample hang up.
async fn a_missing_target_reaches_the_helpline(dialplan: Dialplan) {
    let fairline = Fairline::start();
    fairline
        .single_point_of_contact("07700 900701", "Alex-2001")
        .await;
    let asterisk = Asterisk::start(dialplan, &fairline);
    let call = asterisk.call("07700900701").await;
    assert_eq!(call.get("action"), "route", "{call:?}");
    assert_eq!(call.get("target"), "Alex-2001", "{call:?}");
    assert_eq!(call.get("reached"), "helpline", "{call:?}");
    assert_eq!(call.get("cause"), "16", "a normal clearing: {call:?}");
    assert!(
        asterisk
            .log()
            .contains("fairline target Alex-2001 is not in fairline-targets"),
        "{}",
        asterisk.diagnostics()
    );
}

#[tokio::test]
async fn a_target_the_dialplan_lacks_reaches_the_helpline_over_http() {
    a_missing_target_reaches_the_helpline(Dialplan::Form).await;
}

#[tokio::test]
async fn a_target_the_dialplan_lacks_reaches_the_helpline_with_the_json_dialplan() {
    a_missing_target_reaches_the_helpline(Dialplan::Json).await;
}

#[tokio::test]
async fn a_target_the_dialplan_lacks_reaches_the_helpline_over_fastagi() {
    a_missing_target_reaches_the_helpline(Dialplan::Agi).await;
}

#[tokio::test]
async fn a_pbx_fairline_refuses_over_fastagi_is_told_why_and_the_call_is_routed() {
    // Asterisk (127.0.0.1) is not in agi_allowed_sources: it used to see
    // AGISTATUS=SUCCESS with nothing set, and nothing in its log.
    let fairline = Fairline::start_with(&[("FAIRLINE_AGI_ALLOWED_SOURCES", r#"["192.0.2.0/24"]"#)]);
    fairline.blocked_caller("07700 900702").await;
    let asterisk = Asterisk::start(Dialplan::Agi, &fairline);
    let call = asterisk.call("07700900702").await;
    assert_eq!(call.get("action"), "", "no decision: {call:?}");
    assert_eq!(call.get("reason"), "refused", "{call:?}");
    assert_eq!(call.get("reached"), "helpline", "{call:?}");
    let log = asterisk.log();
    assert!(
        log.contains("fairline gave no decision for call")
            && log.contains("reason refused - routing the call"),
        "{}",
        asterisk.diagnostics()
    );
}

#[tokio::test]
async fn an_ipv4_asterisk_reaches_fairline_on_a_dual_stack_listener() {
    // 127.0.0.1 arrives as ::ffff:127.0.0.1 on [::]; the default
    // agi_allowed_sources (127.0.0.1, ::1) must match it.
    let fairline = Fairline::start_with(&[("FAIRLINE_AGI_LISTEN", "[::]:0")]);
    fairline.blocked_caller("07700 900703").await;
    let asterisk = Asterisk::start(Dialplan::Agi, &fairline);
    let call = asterisk.call("07700900703").await;
    assert_eq!(call.get("action"), "block", "{call:?}");
    assert_eq!(call.get("cause"), "21", "{call:?}");
}

#[tokio::test]
async fn the_fastagi_subroutine_sends_the_number_dialled_not_its_own_extension() {
    // With screen_numbers set, only a call whose dialed number reaches
    // fairline whole is screened: inside the sample's Gosub agi_extension
    // is `s`, and a Local channel carries no dnid.
    let helpline = format!(r#"["{DIALED}"]"#);
    let fairline = Fairline::start_with(&[("FAIRLINE_SCREEN_NUMBERS", &helpline)]);
    let person = fairline.blocked_caller("07700 900704").await;
    let asterisk = Asterisk::start(Dialplan::Agi, &fairline);
    let call = asterisk.call("07700900704").await;
    assert_eq!(call.get("action"), "block", "{call:?}");
    assert_eq!(call.get("reason"), "block_measure", "{call:?}");
    let contact = fairline.contact(person, call.get("uniqueid")).await;
    assert_eq!(contact["action"], "block", "{contact}");
}

#[tokio::test]
async fn an_ivr_enquiry_with_a_comma_reaches_fairline_whole_over_fastagi() {
    // "ENQ,7" unencoded would be two AGI arguments: enquiry "ENQ" and
    // urgent "7" (which fairline refuses). Encoded, it names the caller's
    // closed enquiry, which their measure diverts.
    let fairline = Fairline::start();
    let person = fairline
        .new_issues_only_caller("07700 900705", "ENQ,7")
        .await;
    let asterisk = Asterisk::start(Dialplan::Agi, &fairline);
    let call = asterisk.call_after_ivr("07700900705").await;
    assert_eq!(call.get("action"), "divert", "{call:?}");
    assert_eq!(call.get("reason"), "closed_enquiry", "{call:?}");
    let contact = fairline.contact(person, call.get("uniqueid")).await;
    assert!(contact["enquiry_id"].is_i64(), "{contact}");
}
