//! The documents fairline sends FreeSWITCH: the one-extension dialplan that
//! carries out a decision, and "not found"; with the escaping both need.

use std::fmt::Write as _;

use chrono_tz::Tz;

use super::Fallback;
use crate::decision::{Action, Decision};
use crate::domain::CallId;

/// The answer that tells FreeSWITCH to look elsewhere (the next binding,
/// then the static dialplan), from FreeSWITCH's own documentation.
pub(super) const NOT_FOUND: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#,
    "\n",
    r#"<document type="freeswitch/xml"><section name="result"><result status="not found"/></section></document>"#,
    "\n",
);

/// Text FreeSWITCH will not reinterpret inside application data or a
/// condition: no `$` (which would expand a variable, or run an API as in
/// `${system(…)}`), no `\` (its escape character when expanding) and no
/// control characters (which XML 1.0 cannot carry).
pub(super) fn is_plain(value: &str) -> bool {
    !value
        .chars()
        .any(|c| c == '$' || c == '\\' || c.is_control())
}

/// One word of application data: `transfer` and `voicemail` split their
/// data on spaces, so a target with a space would be read as three
/// arguments.
pub(super) fn is_token(value: &str) -> bool {
    !value.is_empty() && is_plain(value) && !value.chars().any(char::is_whitespace)
}

/// The extension for one decision, or a fallback when the decision holds a
/// target or prompt FreeSWITCH could not act on safely.
pub(super) fn render(
    call_id: &CallId,
    context: &str,
    destination: &str,
    d: &Decision,
    tz: Tz,
    info_url: Option<&str>,
) -> Result<String, Fallback> {
    let unusable = |what: &str, value: &str| {
        Fallback::Bad(format!(
            "the decision's {what} {value:?} cannot be used in a FreeSWITCH dialplan"
        ))
    };
    for (what, value) in [
        ("target", d.target.as_str()),
        ("prompt", d.prompt.as_str()),
        ("reason", d.reason.as_str()),
        ("call id", call_id.as_str()),
    ] {
        if !is_plain(value) {
            return Err(unusable(what, value));
        }
    }
    if d.action != Action::Block && !is_token(&d.target) {
        return Err(unusable("target", &d.target));
    }

    // The decision, for the static dialplan, CDRs and the hangup hook; the
    // call id also marks the channel as screened (see the transfer loop).
    let mut actions: Vec<(&str, String)> = vec![
        ("set", format!("fairline_action={}", d.action.as_str())),
        ("set", format!("fairline_target={}", d.target)),
        ("set", format!("fairline_prompt={}", d.prompt)),
        ("set", format!("fairline_reason={}", d.reason)),
        ("set", format!("fairline_call_id={call_id}")),
    ];
    let next_allowed = d.next_allowed().map(|at| at.timestamp());
    if let Some(epoch) = next_allowed {
        actions.push(("set", format!("fairline_next_allowed={epoch}")));
    }
    // The call's page, for the static dialplan to hand the advisor's phone
    // as `sip_h_Call-Info`. `public_url` is checked at start-up and the
    // call id percent-encoded, so it is plain; checked again all the same,
    // as every value here is.
    if let Some(url) = info_url.filter(|url| is_plain(url)) {
        actions.push(("set", format!("fairline_info_url={url}")));
    }
    let transfer = format!("{} XML {context}", d.target);
    match d.action {
        // No answer here: the target (the helpline's queue) answers when it
        // takes the call; until then the caller hears ringing.
        Action::Route => actions.push(("transfer", transfer)),
        Action::Announce => {
            // A prompt needs media, so the call is answered to play it.
            if !d.prompt.is_empty() {
                actions.push(("answer", String::new()));
                actions.push(("playback", d.prompt.clone()));
            }
            actions.push(("transfer", transfer));
        }
        Action::Divert => {
            actions.push(("answer", String::new()));
            if !d.prompt.is_empty() {
                actions.push(("playback", d.prompt.clone()));
            }
            // When the caller can call again, after the prompt. mod_say_en
            // reads the time in the channel's `timezone` (else the
            // server's, often UTC in a container): the service's, set here.
            if let Some(epoch) = next_allowed {
                actions.push(("set", format!("timezone={}", tz.name())));
                actions.push(("say", format!("en current_date_time pronounced {epoch}")));
            }
            // `${domain_name}` is expanded by FreeSWITCH when the call runs
            // (the channel's, else the global set in vars.xml).
            actions.push((
                "voicemail",
                format!("default ${{domain_name}} {}", d.target),
            ));
        }
        // A rejection must come before any answer: once answered, the
        // caller's side sees a connected call, not SIP 603 Decline. So no
        // prompt is played (it would need the call answered, or early
        // media that not every trunk passes); mod_sofia sends
        // CALL_REJECTED as 603.
        Action::Block => actions.push(("hangup", "CALL_REJECTED".into())),
    }

    let mut xml = String::with_capacity(1024);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    xml.push_str("<document type=\"freeswitch/xml\">\n");
    xml.push_str("  <section name=\"dialplan\" description=\"fairline\">\n");
    let _ = writeln!(xml, "    <context name=\"{}\">", escape(context));
    xml.push_str("      <extension name=\"fairline\">\n");
    // Only this destination: if FreeSWITCH asks for a context but hunts
    // another number, the extension must not match by accident.
    let _ = writeln!(
        xml,
        "        <condition field=\"destination_number\" expression=\"^{}$\">",
        escape(&regex_escape(destination))
    );
    for (application, data) in &actions {
        if data.is_empty() {
            let _ = writeln!(xml, "          <action application=\"{application}\"/>");
        } else {
            let _ = writeln!(
                xml,
                "          <action application=\"{application}\" data=\"{}\"/>",
                escape(data)
            );
        }
    }
    xml.push_str(
        "        </condition>\n      </extension>\n    </context>\n  </section>\n</document>\n",
    );
    Ok(xml)
}

/// Escapes text for an XML attribute or element: the five characters XML
/// reserves.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes PCRE metacharacters, so a destination such as `+448001234567`
/// matches itself and nothing else.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if "\\^$.|?*+()[]{}/#".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::{Rule, RuleHit};
    use chrono_tz::Europe::London;

    #[test]
    fn escape_replaces_the_five_reserved_characters() {
        assert_eq!(escape(r#"a<b&"c'>"#), "a&lt;b&amp;&quot;c&apos;&gt;");
        assert_eq!(escape("helpline"), "helpline");
        assert_eq!(escape("&amp;"), "&amp;amp;");
        assert_eq!(escape(""), "");
    }
    #[test]
    fn regex_escape_makes_a_destination_match_only_itself() {
        assert_eq!(regex_escape("+448001234567"), r"\+448001234567");
        assert_eq!(regex_escape("*97#"), r"\*97\#");
        assert_eq!(regex_escape("a.b(c)"), r"a\.b\(c\)");
        assert_eq!(regex_escape("0800"), "0800");
    }
    fn decision(action: Action, target: &str, prompt: &str) -> Decision {
        Decision {
            action,
            target: target.into(),
            prompt: prompt.into(),
            reason: Rule::Default,
            rules: vec![RuleHit::new(Rule::Default, "test")],
        }
    }
    fn applications(xml: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(xml).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("action"))
            .map(|n| n.attribute("application").unwrap().to_owned())
            .collect()
    }
    #[test]
    fn each_action_becomes_its_applications() {
        let id = CallId::parse("u-1").unwrap();
        let render = |d: &Decision| render(&id, "public", "0800", d, London, None).unwrap();
        let with = |rest: &[&str]| {
            let mut all = vec!["set".to_owned(); 5];
            all.extend(rest.iter().map(|a| (*a).to_owned()));
            all
        };
        assert_eq!(
            applications(&render(&decision(Action::Route, "helpline", ""))),
            with(&["transfer"])
        );
        assert_eq!(
            applications(&render(&decision(Action::Announce, "helpline", "p"))),
            with(&["answer", "playback", "transfer"])
        );
        assert_eq!(
            applications(&render(&decision(Action::Divert, "voicemail", "p"))),
            with(&["answer", "playback", "voicemail"])
        );
        assert_eq!(
            applications(&render(&decision(Action::Divert, "voicemail", ""))),
            with(&["answer", "voicemail"])
        );
        assert_eq!(
            applications(&render(&decision(Action::Block, "", "fairline-blocked"))),
            with(&["hangup"])
        );
    }
    #[test]
    fn a_diverted_caller_is_told_when_they_can_call_again_in_the_service_timezone() {
        let id = CallId::parse("u-1").unwrap();
        let mut d = decision(Action::Divert, "voicemail", "p");
        d.reason = Rule::FrequencyLimit;
        let mut hit = RuleHit::new(Rule::FrequencyLimit, "test");
        hit.next_allowed_at = Some("2026-05-12T23:00:00Z".parse().unwrap());
        d.rules = vec![hit];
        let xml = render(&id, "public", "0800", &d, London, None).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let actions: Vec<(&str, &str)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("action"))
            .map(|n| {
                let data = n.attribute("data").unwrap_or("");
                (n.attribute("application").unwrap(), data)
            })
            .collect();
        assert_eq!(
            actions[5..],
            [
                ("set", "fairline_next_allowed=1778626800"),
                ("answer", ""),
                ("playback", "p"),
                ("set", "timezone=Europe/London"),
                ("say", "en current_date_time pronounced 1778626800"),
                ("voicemail", "default ${domain_name} voicemail"),
            ]
        );
    }

    #[test]
    fn a_target_freeswitch_cannot_act_on_falls_back() {
        let id = CallId::parse("u-1").unwrap();
        for (target, prompt) in [
            ("Alex Smith/2001", ""),
            ("", ""),
            ("${system(reboot)}", ""),
            ("helpline", "${system(reboot)}"),
            ("help\u{1}line", ""),
            (r"help\line", ""),
        ] {
            let d = decision(Action::Route, target, prompt);
            assert!(
                matches!(
                    render(&id, "public", "0800", &d, London, None),
                    Err(Fallback::Bad(_))
                ),
                "{target:?} {prompt:?}"
            );
        }
        assert!(render(
            &id,
            "public",
            "0800",
            &decision(Action::Block, "", ""),
            London,
            None
        )
        .is_ok());
    }
    #[test]
    fn a_routed_call_carries_its_page_for_the_static_dialplan() {
        let id = CallId::parse("u-1").unwrap();
        let url = "https://fairline.example.org/ui/calls/u-1";
        let d = decision(Action::Route, "helpline", "");
        let xml = render(&id, "public", "0800", &d, London, Some(url)).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let set: Vec<&str> = doc
            .descendants()
            .filter(|n| n.attribute("application") == Some("set"))
            .filter_map(|n| n.attribute("data"))
            .collect();
        assert!(set.contains(&"fairline_info_url=https://fairline.example.org/ui/calls/u-1"));
        // Set before the transfer, so the target's extension sees it.
        assert_eq!(
            applications(&xml).last().map(String::as_str),
            Some("transfer")
        );
    }

    #[test]
    fn not_found_is_the_documented_result() {
        let doc = roxmltree::Document::parse(NOT_FOUND).unwrap();
        let root = doc.root_element();
        assert_eq!(root.attribute("type"), Some("freeswitch/xml"));
        let result = root
            .descendants()
            .find(|n| n.has_tag_name("result"))
            .unwrap();
        assert_eq!(result.attribute("status"), Some("not found"));
    }
}
