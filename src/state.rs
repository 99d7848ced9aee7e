//! The state every request handler, PBX adapter and background job can
//! reach. A leaf: it imports the parts it holds and nothing imports it back
//! through them, so the faces (`http`, `pbx`, `ops`) and `app`, which
//! assembles them, never run in a circle.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::config::Settings;
use crate::decision::Policy;
use crate::domain::{Region, ScreenedNumbers};
use crate::keys::KeyCache;
use crate::store::Store;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub region: Region,
    /// `screen_numbers`, parsed: which calls are the helpline's.
    pub screened: Arc<ScreenedNumbers>,
    pub policy: Arc<Policy>,
    pub store: Store,
    pub keys: Arc<KeyCache>,
    pub limits: Arc<crate::limits::Limits>,
    /// The written notice's templates, compiled at start-up.
    pub notices: Arc<crate::notice::Notices>,
}

impl AppState {
    /// The one place the service reads the clock; the decision is handed it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
