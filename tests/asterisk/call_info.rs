//! The call's page handed to the advisor's phone: with `public_url` set, a
//! routed call rings the desk phone with a SIP Call-Info header naming
//! `{public_url}/ui/calls/{call_id}`, added by the sample's
//! [fairline-call-info] pre-dial handler; with it unset, no header.

use crate::fairline::Fairline;
use crate::pbx::{sip_header, Asterisk, Dialplan};

const PUBLIC_URL: &str = "https://fairline.example.org/helpline";

#[tokio::test]
async fn the_advisors_phone_is_handed_the_calls_page_by_every_sample_dialplan() {
    for dialplan in [Dialplan::Form, Dialplan::Json, Dialplan::Agi] {
        let fairline = Fairline::start_with(&[("FAIRLINE_PUBLIC_URL", PUBLIC_URL)]);
        fairline
            .single_point_of_contact("07700 900600", "desk")
            .await;
        let asterisk = Asterisk::start(dialplan, &fairline);

        let phone = asterisk.desk_phone();
        let call = asterisk.call("07700900600").await;
        let invite = phone
            .invite()
            .unwrap_or_else(|e| panic!("{dialplan:?}: {e}"));

        assert_eq!(call.get("reached"), "desk", "{dialplan:?}: {call:?}");
        let page = format!(
            "<{PUBLIC_URL}/ui/calls/{}>;purpose=info",
            call.get("uniqueid")
        );
        assert_eq!(
            sip_header(&invite, "Call-Info"),
            Some(page.as_str()),
            "{dialplan:?}: the INVITE the phone was sent:\n{invite}"
        );
    }
}

#[tokio::test]
async fn without_a_public_url_the_advisors_phone_rings_with_no_call_info() {
    let fairline = Fairline::start();
    fairline
        .single_point_of_contact("07700 900601", "desk")
        .await;
    let asterisk = Asterisk::start(Dialplan::Form, &fairline);

    let phone = asterisk.desk_phone();
    let call = asterisk.call("07700900601").await;
    let invite = phone.invite().unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(call.get("reached"), "desk", "{call:?}");
    assert!(
        invite.starts_with("INVITE sip:desk@127.0.0.1:"),
        "the phone was rung: {invite}"
    );
    assert_eq!(sip_header(&invite, "Call-Info"), None, "{invite}");
}
