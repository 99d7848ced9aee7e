//! FreeSWITCH mod_xml_curl: dialplan look-ups answered with a dialplan.

use axum::Router;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
