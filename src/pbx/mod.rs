//! PBX adapters: each turns one PBX's way of asking into the shared
//! screening path and its answer into what that PBX's dialplan acts on.
//! `webhook` is `/v1/screen`, which Asterisk's `CURL()` (and any PBX that
//! can make an HTTP request) asks; `request` holds what every wire sends.

pub mod agi;
pub mod freeswitch;
pub mod request;
pub mod webhook;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(webhook::router())
        .merge(freeswitch::router())
}
