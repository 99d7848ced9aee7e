//! The sample's hangup handler reports each call's outcome to fairline.

use crate::fairline::Fairline;
use crate::pbx::{Asterisk, Dialplan};

#[tokio::test]
async fn the_hangup_handler_reports_whether_the_call_was_answered_and_for_how_long() {
    let fairline = Fairline::start();
    let known = fairline.person("A. Parent", "07700 900400").await;
    let blocked = fairline.blocked_caller("07700 900401").await;
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);

    // The recorder runs after the sample's handler, so once the hangup is
    // recorded the outcome has been posted.
    let answered = asterisk.call("07700900400").await;
    let contact = fairline.contact(known, answered.get("uniqueid")).await;
    assert_eq!(contact["action"], "route", "{contact}");
    assert_eq!(contact["answered"], true, "{contact}");
    // The test advisor stays on the line for a second.
    let duration = contact["duration_s"].as_i64();
    assert!(matches!(duration, Some(1..=5)), "{contact}");

    let rejected = asterisk.call("07700900401").await;
    let contact = fairline.contact(blocked, rejected.get("uniqueid")).await;
    assert_eq!(contact["action"], "block", "{contact}");
    assert_eq!(contact["answered"], false, "{contact}");
    assert_eq!(contact["duration_s"], 0, "{contact}");
}
