//! PBX adapters: each turns one PBX's way of asking into the shared
//! screening path and its answer into what that PBX's dialplan acts on.
//! `webhook` is `/v1/screen`, which Asterisk's `CURL()` (and any PBX that
//! can make an HTTP request) asks; `request` holds what every wire sends.

pub mod agi;
pub mod freeswitch;
pub mod request;
pub mod webhook;

use axum::Router;

use crate::config::PublicUrl;
use crate::decision::{Decision, Rule};
use crate::domain::CallId;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(webhook::router())
        .merge(freeswitch::router())
}

/// The address of a call's page (`/ui/calls/{call_id}`) for the advisor's
/// phone, when `public_url` is set and the call is put through to the
/// helpline. A call not screened, or routed because screening failed,
/// has no record for the page to show, so it gets none. A string format:
/// nothing is read from the store on the screening path.
pub fn info_url(public_url: Option<&PublicUrl>, call_id: &CallId, d: &Decision) -> Option<String> {
    let public_url = public_url?;
    let recorded = !matches!(d.reason, Rule::NotScreened | Rule::FailOpen);
    (d.action.reaches_helpline() && recorded).then(|| public_url.call_page(call_id))
}
