//! PBX adapters: each turns one PBX's way of asking into the shared
//! screening path and its answer into what that PBX's dialplan acts on.
//! Asterisk over HTTP uses `/v1/screen` directly (see `http::screening`).

pub mod agi;
pub mod freeswitch;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(freeswitch::router())
}
