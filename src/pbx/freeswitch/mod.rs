//! FreeSWITCH mod_xml_curl: a dialplan look-up is screened like `/v1/screen`
//! and answered with a one-extension dialplan that carries out the decision.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

use crate::decision::Rule;
use crate::domain::CallId;
use crate::http::auth::{Auth, Screening};
use crate::pbx::request::{ScreenRequest, YesNo};
use crate::screening::screen;
use crate::state::AppState;
use crate::store::contacts;

mod dialplan;
use dialplan::{is_plain, is_token, render, NOT_FOUND};

/// `POST /v1/pbx/freeswitch/dialplan` takes the form mod_xml_curl posts for
/// every dialplan look-up (`section=dialplan`, the channel's `Caller-*` and
/// `Hunt-*` fields and its `variable_*`s), with the pbx key as the password
/// of HTTP Basic (`gateway-credentials`). Anything fairline cannot or
/// should not answer gets the documented "not found" result, on which
/// FreeSWITCH falls back to its on-disk dialplan: fairline fails open, as
/// `/v1/screen` does. `docker/freeswitch/` has the PBX side.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/pbx/freeswitch/dialplan", post(dialplan))
}

/// FreeSWITCH's caller id number when the call carried none
/// (`SWITCH_DEFAULT_CLID_NUMBER`): a withheld caller, not a phone number.
const NO_CALLER_ID: &str = "0000000000";

/// Why a look-up is answered "not found"; logged, never sent.
#[derive(Debug)]
enum Fallback {
    /// Expected: another section, or a call already screened.
    Pass(&'static str),
    /// The request was not one fairline can screen.
    Bad(String),
    /// Storage failed; FreeSWITCH's own dialplan takes the call.
    Failed(String),
}

impl Fallback {
    fn log(&self) {
        match self {
            Fallback::Pass(why) => tracing::debug!(%why, "freeswitch look-up: not found"),
            Fallback::Bad(why) => {
                tracing::warn!(%why, "freeswitch look-up not screened: not found")
            }
            Fallback::Failed(why) => {
                tracing::error!(%why, "freeswitch look-up failed: not found (fail open)")
            }
        }
    }
}

/// Always `200 text/xml`: either the extension or "not found". Auth
/// failures are still 401/403 (the extractor answers those), on which
/// mod_xml_curl also falls back.
async fn dialplan(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Screening>,
    req: Request,
) -> Response {
    let answer = match Bytes::from_request(req, &state).await {
        Ok(body) => lookup(&state, &who.name, &body).await,
        Err(rejection) => Err(Fallback::Bad(format!(
            "unreadable body: {}",
            rejection.body_text()
        ))),
    };
    let xml = answer.unwrap_or_else(|fallback| {
        fallback.log();
        NOT_FOUND.to_owned()
    });
    ([(CONTENT_TYPE, "text/xml")], xml).into_response()
}

async fn lookup(state: &AppState, recorded_by: &str, body: &[u8]) -> Result<String, Fallback> {
    // A map, not a struct: a real look-up carries about 140 fields, which
    // vary with the endpoint and the FreeSWITCH version; unknown ones are
    // ignored.
    let fields: HashMap<String, String> =
        serde_urlencoded::from_bytes(body).map_err(|e| Fallback::Bad(e.to_string()))?;
    let get = |name: &str| fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());

    if get("section") != Some("dialplan") {
        return Err(Fallback::Pass("not a dialplan look-up"));
    }
    // mod_xml_curl asks for every look-up in every context: internal
    // extensions, other lines. Only the helpline's contexts and numbers are
    // screened; the rest is FreeSWITCH's own, quietly, before anything
    // about the call (an internal caller id, say) is read.
    // Hunt-Context is the context being routed in this look-up (added by
    // mod_dialplan_xml); older versions send only the channel's context.
    let context = get("Hunt-Context")
        .or_else(|| get("Caller-Context"))
        .ok_or_else(|| Fallback::Bad("Hunt-Context is required".into()))?;
    let contexts = &state.settings.freeswitch_contexts;
    if !contexts.is_empty() && !contexts.iter().any(|c| c.as_str() == context) {
        return Err(Fallback::Pass("not one of freeswitch_contexts"));
    }
    if !is_token(context) {
        return Err(Fallback::Bad(format!("unusable context {context:?}")));
    }
    let destination = get("Caller-Destination-Number")
        .ok_or_else(|| Fallback::Bad("Caller-Destination-Number is required".into()))?;
    if !state.screened.covers(destination, state.region) {
        return Err(Fallback::Pass("not one of screen_numbers"));
    }
    let call_id = CallId::parse(get("Unique-ID").unwrap_or(""))
        .map_err(|m| Fallback::Bad(format!("Unique-ID {m}")))?;
    if !is_plain(destination) {
        // The value is not logged: it is a phone number.
        return Err(Fallback::Bad(
            "unusable destination (holds $, \\ or a control character)".into(),
        ));
    }

    // The transfer loop. Our answer ends in `transfer` to the decision's
    // target, and a transfer makes FreeSWITCH ask again for the same
    // channel (same Unique-ID) with the target as the destination.
    // Screening that look-up would answer the stored decision again (the
    // call id is idempotent) and transfer to the target again, for ever.
    // So a look-up is answered "not found", leaving it to the static
    // dialplan, when
    // - the channel carries `fairline_call_id` equal to its Unique-ID: our
    //   answer ran on this channel (it sets the variable before anything
    //   else), so this look-up (the target, or wherever the static dialplan
    //   sends the call next, e.g. an overflow to voicemail) is an onward
    //   step of a call already decided. The static dialplan may set it too,
    //   to mark a call it routed while fairline was down, so that fairline
    //   does not screen it halfway through. Callers cannot set channel
    //   variables; only the PBX can; or
    // - the Unique-ID has a decision on record and the destination is that
    //   decision's target or the divert target: the same check for a PBX
    //   that posts no channel variables (`enable-post-var`).
    // Any other look-up for a Unique-ID already on record is a repeat of
    // the first one whose answer never ran; it is screened, which returns
    // the first answer without recording a second contact.
    if get("variable_fairline_call_id") == Some(call_id.as_str()) {
        return Err(Fallback::Pass(
            "an onward look-up for a call already handled",
        ));
    }
    let lookup_id = call_id.clone();
    let stored = state
        .store
        .read(move |conn| contacts::decision_for_call(conn, &lookup_id))
        .await
        .map_err(|e| Fallback::Failed(e.to_string()))?;
    if let Some(decision) = &stored {
        let divert_target = state.policy.divert_target.trim();
        if destination == decision.target.trim() || destination == divert_target {
            return Err(Fallback::Pass("the transfer of a call already screened"));
        }
    }

    let caller = if is_withheld(&fields) {
        String::new()
    } else {
        match get("Caller-Caller-ID-Number") {
            Some(NO_CALLER_ID) => String::new(),
            Some(number) => number.to_owned(),
            None => return Err(Fallback::Bad("Caller-Caller-ID-Number is required".into())),
        }
    };
    let call = ScreenRequest {
        caller: Some(caller),
        dialed: destination.to_owned(),
        call_id: Some(call_id.as_str().to_owned()),
        // Set by an IVR before the look-up, as `set fairline_enquiry=…`.
        enquiry: get("variable_fairline_enquiry").map(str::to_owned),
        urgent: get("variable_fairline_urgent").map(|v| YesNo::Text(v.to_owned())),
    }
    .parse_screened(state, true)
    .map_err(|e| Fallback::Bad(e.to_string()))?;
    // A call id on record for another call is logged by `screen`; the
    // static dialplan takes the call, as for any look-up not screened.
    let decision = screen(state, call, recorded_by)
        .await
        .map_err(|_| Fallback::Pass("the call id is on record for another call"))?;
    if decision.reason == Rule::FailOpen {
        // `screen` routes when storage fails; here the static dialplan's
        // default route does that, and knows the PBX better than we do.
        return Err(Fallback::Failed("the screening path failed open".into()));
    }
    let info_url = super::info_url(state.settings.public_url.as_ref(), &call_id, &decision);
    render(
        &call_id,
        context,
        destination,
        &decision,
        state.policy.timezone,
        info_url.as_deref(),
    )
}

/// Whether the caller asked for their number to be withheld: the caller
/// profile's privacy flag (set from SIP `Privacy: id`), or a `privacy` /
/// `sip_privacy` variable naming the identity.
fn is_withheld(fields: &HashMap<String, String>) -> bool {
    let flag = |name: &str| {
        fields.get(name).is_some_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "true" | "yes" | "on" | "1"
            )
        })
    };
    // Whole words only: `hide_name` hides the name, not the number.
    let names_identity = |name: &str| {
        fields.get(name).is_some_and(|v| {
            v.split(|c: char| c == ';' || c == ',' || c.is_whitespace())
                .map(|w| w.trim().to_ascii_lowercase())
                .any(|w| matches!(w.as_str(), "id" | "yes" | "full" | "number" | "hide_number"))
        })
    };
    flag("Caller-Privacy-Hide-Number")
        || flag("Hunt-Privacy-Hide-Number")
        || names_identity("variable_privacy")
        || names_identity("variable_sip_privacy")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn privacy_fields_withhold_the_number_only_when_they_name_it() {
        for withheld in [
            ("Caller-Privacy-Hide-Number", "true"),
            ("variable_sip_privacy", "id"),
            ("variable_sip_privacy", "header;id"),
            ("variable_privacy", "yes"),
            ("variable_privacy", "hide_number"),
        ] {
            assert!(is_withheld(&fields(&[withheld])), "{withheld:?}");
        }
        for shown in [
            ("Caller-Privacy-Hide-Number", "false"),
            ("variable_sip_privacy", "none"),
            ("variable_privacy", "hide_name"),
            ("variable_privacy", "no"),
        ] {
            assert!(!is_withheld(&fields(&[shown])), "{shown:?}");
        }
        assert!(!is_withheld(&fields(&[])));
    }
}
