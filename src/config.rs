//! Typed settings, layered: built-in defaults, then a TOML file
//! (`--config` or `FAIRLINE_CONFIG`), then `FAIRLINE_*` environment variables.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::decision::{Action, Policy};
use crate::domain::{FlagThresholds, PbxName, Region, ScreenedNumbers};

pub mod ip_range;
pub mod public_url;
pub use ip_range::IpRange;
pub use public_url::PublicUrl;

/// Every setting fairline reads. The README documents each one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP API listens on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The SQLite database file.
    pub database: PathBuf,
    /// The service's timezone: calendar days, weeks and contact windows.
    pub timezone: Tz,
    /// Region for numbers written without an international prefix.
    pub region: String,
    /// Where routed calls go unless a measure names an advisor. Targets and
    /// prompts are `PbxName`s: a name the PBX cannot use stops start-up.
    pub default_target: PbxName,
    /// Where diverted calls go (voicemail or a callback queue).
    pub divert_target: PbxName,
    /// The prompt played before a block.
    pub block_prompt: PbxName,
    /// What withheld callers get: route, announce, divert or block.
    pub withheld_action: Action,
    /// The prompt for withheld callers when the action plays one.
    pub withheld_prompt: PbxName,
    /// The helpline's dialed numbers, in any written form (read in
    /// `region`): calls to any other number are not screened. Empty: every
    /// call is screened.
    pub screen_numbers: Vec<String>,
    /// The FreeSWITCH dialplan contexts that are the helpline's inbound
    /// calls; look-ups in any other context are left to FreeSWITCH. Empty:
    /// every context.
    pub freeswitch_contexts: Vec<PbxName>,
    /// The furthest a review date may be set after a measure starts.
    pub max_review_months: u32,
    /// Days past its review date that an unreviewed measure still applies.
    pub review_grace_days: u32,
    /// A minijinja template for the written notice as printable HTML, in
    /// place of the built-in one (`fairline notice-template html`).
    pub notice_template_html: Option<PathBuf>,
    /// The same for the plain-text notice (`fairline notice-template text`).
    pub notice_template_text: Option<PathBuf>,
    /// Days a contact is kept; the daily purge deletes older ones.
    pub retention_contacts_days: u32,
    /// Days a measure is kept after it ended (`ended_at`) or ran out
    /// (`ends_on`); the daily purge deletes older ones.
    pub retention_ended_measures_days: u32,
    /// Local time (in `timezone`) the daily purge runs.
    pub retention_purge_at: chrono::NaiveTime,
    /// The largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Log format: `text` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// Address for `/metrics` alone; unset, `/metrics` is served on `listen`.
    pub metrics_listen: Option<SocketAddr>,
    /// Address for FastAGI (`agi://…/screen`); off unless set.
    pub agi_listen: Option<SocketAddr>,
    /// The only source addresses (or CIDR ranges) FastAGI accepts: AGI has
    /// no authentication.
    pub agi_allowed_sources: Vec<IpRange>,
    /// How long an AGI peer may take to send its request or answer a command.
    pub agi_timeout_ms: u64,
    /// Requests a minute one staff key may make (0: no limit).
    pub rate_limit_per_key_per_minute: u32,
    /// Requests a minute one source address may make with staff keys.
    pub rate_limit_per_source_per_minute: u32,
    /// Failed sign-ins a minute from one source before it is locked out.
    pub sign_in_failures_per_minute: u32,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For`
    /// names the client; from any other peer the header is ignored.
    pub trusted_proxies: Vec<IpRange>,
    /// How long a client may take to send a request's headers, and how
    /// long a kept-alive connection may sit idle between requests.
    pub http_header_timeout_ms: u64,
    /// Connections open at once, HTTP and FastAGI together; kept below the
    /// process's descriptor limit at start-up.
    pub max_connections: u32,
    /// Connections open at once from one source address (trusted proxies
    /// and `pbx_sources` are not held to it).
    pub max_connections_per_source: u32,
    /// The PBXs' addresses (or CIDR ranges). Held to `max_connections`
    /// only: a PBX carries every caller's call over its own connections,
    /// and during a disk stall it may hold hundreds open at once, which a
    /// per-source cap would turn into refused calls.
    pub pbx_sources: Vec<IpRange>,
    /// Calls from one number within `flood_window_secs` before further
    /// calls are diverted (0: no flood guard).
    pub flood_calls: u32,
    pub flood_window_secs: u64,
    /// Contacts from one person in a local day that raise a
    /// `very_frequent_contact` flag for the review queue (0: never). A
    /// flag changes no decision.
    pub flag_daily_contacts: u32,
    /// Contacts from one person in the last seven days, on any channel,
    /// that they must exceed to raise `weekly_contact` (0: never).
    pub flag_weekly_contacts: u32,
    /// Calls from one person diverted or blocked in a local day that raise
    /// `repeated_while_diverted` (0: never).
    pub flag_turned_away_calls: u32,
    /// Answered contacts on one enquiry within `flag_advisors_days`, by at
    /// least `flag_advisors_distinct` advisors, that raise
    /// `several_advisors` (0: never).
    pub flag_advisors_contacts: u32,
    pub flag_advisors_distinct: u32,
    pub flag_advisors_days: u32,
    /// Channels one enquiry comes in on within `flag_scattergun_hours`
    /// that raise `scattergun` (0: never).
    pub flag_scattergun_channels: u32,
    pub flag_scattergun_hours: u32,
    /// Days before a measure's review date that it is listed as due.
    pub flag_review_due_days: u32,
    /// Minutes a signed-in page session may sit unused before it ends.
    pub ui_session_idle_minutes: u32,
    /// Hours after sign-in that a page session ends however busy it is.
    pub ui_session_absolute_hours: u32,
    /// Failed sign-ins in a row that lock a staff account (0: never).
    pub ui_sign_in_failures: u32,
    /// Minutes a locked staff account stays locked.
    pub ui_lockout_minutes: u32,
    /// Days an appeal may wait for its decision before the review queue
    /// lists it.
    pub appeal_decision_days: u32,
    /// The address staff's browsers reach fairline at (through any proxy).
    /// When set, a routed call's answer carries its page's address
    /// (`info_url`) for the advisor's phone; unset, it carries none.
    pub public_url: Option<PublicUrl>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        let flags = FlagThresholds::default();
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: PathBuf::from("fairline.db"),
            timezone: chrono_tz::Europe::London,
            region: "GB".into(),
            default_target: name("helpline"),
            divert_target: name("voicemail"),
            block_prompt: name("fairline-blocked"),
            withheld_action: Action::Route,
            withheld_prompt: name("fairline-withheld"),
            screen_numbers: Vec::new(),
            freeswitch_contexts: vec![name("public")],
            max_review_months: 6,
            review_grace_days: 28,
            notice_template_html: None,
            notice_template_text: None,
            retention_contacts_days: 730,
            retention_ended_measures_days: 730,
            retention_purge_at: chrono::NaiveTime::from_hms_opt(3, 0, 0).expect("03:00 is a time"),
            body_limit_bytes: 64 * 1024,
            log_format: LogFormat::Text,
            metrics_listen: None,
            agi_listen: None,
            agi_allowed_sources: vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST).into(),
                IpAddr::V6(Ipv6Addr::LOCALHOST).into(),
            ],
            agi_timeout_ms: 5000,
            rate_limit_per_key_per_minute: 600,
            rate_limit_per_source_per_minute: 1200,
            sign_in_failures_per_minute: 10,
            trusted_proxies: Vec::new(),
            http_header_timeout_ms: 10_000,
            max_connections: 4096,
            max_connections_per_source: 256,
            pbx_sources: Vec::new(),
            flood_calls: 10,
            flood_window_secs: 60,
            flag_daily_contacts: flags.daily_contacts,
            flag_weekly_contacts: flags.weekly_contacts,
            flag_turned_away_calls: flags.turned_away_calls,
            flag_advisors_contacts: flags.advisors_contacts,
            flag_advisors_distinct: flags.advisors_distinct,
            flag_advisors_days: flags.advisors_days,
            flag_scattergun_channels: flags.scattergun_channels,
            flag_scattergun_hours: flags.scattergun_hours,
            flag_review_due_days: flags.review_due_days,
            ui_session_idle_minutes: 30,
            ui_session_absolute_hours: 12,
            ui_sign_in_failures: 5,
            ui_lockout_minutes: 15,
            appeal_decision_days: 20,
            public_url: None,
        }
    }
}

/// A built-in name, known to be in the PBX-safe form.
fn name(text: &str) -> PbxName {
    PbxName::parse(text).expect("built-in names are PBX-safe")
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration: {field}: {message}")]
    Invalid { field: String, message: String },
}

/// Environment variables that set a setting start with this.
const ENV_PREFIX: &str = "FAIRLINE_";

impl Settings {
    /// Every setting's name, as in the file (`listen`, `agi_listen`, …).
    fn names() -> Vec<String> {
        match serde_json::to_value(Settings::default()) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// `FAIRLINE_*` environment variables that name no setting, which
    /// `load` ignores. The file's own variable (`FAIRLINE_CONFIG`, read by
    /// the command line) is not one of them.
    pub fn unknown_environment() -> Vec<String> {
        let known = Settings::names();
        let mut unknown: Vec<String> = Env::prefixed(ENV_PREFIX)
            .iter()
            .map(|(key, _)| key.as_str().to_owned())
            .filter(|key| key != "config" && !known.contains(key))
            .map(|key| format!("{ENV_PREFIX}{}", key.to_ascii_uppercase()))
            .collect();
        unknown.sort();
        unknown
    }

    /// Defaults, then the file (if any), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::Invalid {
                    field: "config".into(),
                    message: format!("{} does not exist", file.display()),
                });
            }
            figment = figment.merge(Toml::file(file));
        }
        // Only variables that name a setting: the prefix is shared with
        // other tools (the test suite's FAIRLINE_ASTERISK_ROOT, a container's
        // FAIRLINE_AGI), and one of theirs must not stop every command.
        // `unknown_environment` names the others for a warning.
        let known = Settings::names();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let figment = figment.merge(Env::prefixed(ENV_PREFIX).only(&known));
        let settings: Settings = figment.extract().map_err(Box::new)?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.region()?;
        self.screened_numbers()?;
        let invalid = |field: &str, message: &str| {
            Err(ConfigError::Invalid {
                field: field.into(),
                message: message.into(),
            })
        };
        if self.ui_session_idle_minutes == 0 {
            return invalid("ui_session_idle_minutes", "must be at least 1");
        }
        if self.ui_session_absolute_hours == 0 {
            return invalid("ui_session_absolute_hours", "must be at least 1");
        }
        if self.ui_lockout_minutes == 0 {
            return invalid("ui_lockout_minutes", "must be at least 1");
        }
        if self.max_review_months == 0 {
            return invalid("max_review_months", "must be at least 1");
        }
        // Monthly frequency limits count the contacts of the calendar month.
        if self.retention_contacts_days < 31 {
            return invalid("retention_contacts_days", "must be at least 31");
        }
        if self.retention_ended_measures_days == 0 {
            return invalid("retention_ended_measures_days", "must be at least 1");
        }
        if self.agi_timeout_ms == 0 {
            return invalid("agi_timeout_ms", "must be at least 1");
        }
        if self.http_header_timeout_ms == 0 {
            return invalid("http_header_timeout_ms", "must be at least 1");
        }
        if self.max_connections == 0 {
            return invalid("max_connections", "must be at least 1");
        }
        if self.max_connections_per_source == 0 {
            return invalid("max_connections_per_source", "must be at least 1");
        }
        // "Several" advisors and channels: one would flag every contact.
        if self.flag_advisors_distinct < 2 {
            return invalid("flag_advisors_distinct", "must be at least 2");
        }
        if self.flag_scattergun_channels == 1 {
            return invalid("flag_scattergun_channels", "must be 0 (off) or at least 2");
        }
        // The windows are counted on the paths that record contacts: kept
        // short, and within what retention keeps.
        if !(1..=31).contains(&self.flag_advisors_days) {
            return invalid("flag_advisors_days", "must be from 1 to 31");
        }
        if !(1..=168).contains(&self.flag_scattergun_hours) {
            return invalid("flag_scattergun_hours", "must be from 1 to 168");
        }
        if self.flag_review_due_days > 90 {
            return invalid("flag_review_due_days", "must be at most 90");
        }
        // An appeal left a year is no longer waiting, it is forgotten.
        if self.appeal_decision_days > 365 {
            return invalid("appeal_decision_days", "must be at most 365");
        }
        Ok(())
    }

    pub fn region(&self) -> Result<Region, ConfigError> {
        Region::parse(&self.region).map_err(|e| ConfigError::Invalid {
            field: "region".into(),
            message: e.to_string(),
        })
    }

    /// `screen_numbers`, read as phone numbers in `region`.
    pub fn screened_numbers(&self) -> Result<ScreenedNumbers, ConfigError> {
        ScreenedNumbers::parse(&self.screen_numbers, self.region()?).map_err(|(i, message)| {
            ConfigError::Invalid {
                field: format!("screen_numbers[{i}]"),
                message: format!("{:?} {message}", self.screen_numbers[i]),
            }
        })
    }

    /// What raises each kind of flag.
    pub fn flag_thresholds(&self) -> FlagThresholds {
        FlagThresholds {
            daily_contacts: self.flag_daily_contacts,
            weekly_contacts: self.flag_weekly_contacts,
            turned_away_calls: self.flag_turned_away_calls,
            advisors_contacts: self.flag_advisors_contacts,
            advisors_distinct: self.flag_advisors_distinct,
            advisors_days: self.flag_advisors_days,
            scattergun_channels: self.flag_scattergun_channels,
            scattergun_hours: self.flag_scattergun_hours,
            review_due_days: self.flag_review_due_days,
        }
    }

    /// The decision's view of these settings.
    pub fn policy(&self) -> Policy {
        Policy {
            timezone: self.timezone,
            default_target: self.default_target.to_string(),
            divert_target: self.divert_target.to_string(),
            withheld: self.withheld_action,
            withheld_prompt: self.withheld_prompt.to_string(),
            block_prompt: self.block_prompt.to_string(),
            review_grace_days: self.review_grace_days,
        }
    }
}

// figment::Jail's closures return figment's own (large) error type.
#[allow(clippy::result_large_err)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_work_without_a_file() {
        figment::Jail::expect_with(|_| {
            let s = Settings::load(None).unwrap();
            assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
            assert_eq!(s.timezone, chrono_tz::Europe::London);
            assert_eq!(s.default_target, "helpline");
            Ok(())
        });
    }

    #[test]
    fn the_environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "fairline.toml",
                "default_target = \"queue-a\"\nregion = \"IE\"\n",
            )?;
            jail.set_env("FAIRLINE_DEFAULT_TARGET", "queue-b");
            jail.set_env("FAIRLINE_MAX_REVIEW_MONTHS", "3");
            jail.set_env("FAIRLINE_AGI_LISTEN", "127.0.0.1:4573");
            jail.set_env("FAIRLINE_AGI_ALLOWED_SOURCES", "[\"192.0.2.10\"]");
            jail.set_env(
                "FAIRLINE_TRUSTED_PROXIES",
                "[\"10.0.0.0/8\", \"192.0.2.1\"]",
            );
            let s = Settings::load(Some(Path::new("fairline.toml"))).unwrap();
            assert_eq!(s.agi_listen, Some("127.0.0.1:4573".parse().unwrap()));
            assert_eq!(
                s.agi_allowed_sources,
                vec!["192.0.2.10".parse::<IpRange>().unwrap()]
            );
            let proxies: Vec<String> = s.trusted_proxies.iter().map(|r| r.to_string()).collect();
            assert_eq!(proxies, ["10.0.0.0/8", "192.0.2.1"]);
            assert_eq!(s.default_target, "queue-b");
            assert_eq!(s.region, "IE");
            assert_eq!(s.max_review_months, 3);
            Ok(())
        });
    }

    #[test]
    fn unknown_environment_variables_are_ignored_and_named() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("FAIRLINE_ASTERISK_ROOT", "/var/cache/fairline/asterisk-sid");
            jail.set_env("FAIRLINE_DEFAULT_TARGET", "queue-b");
            jail.set_env("FAIRLINE_CONFIG", "fairline.toml");
            let s = Settings::load(None).unwrap();
            assert_eq!(s.default_target, "queue-b");
            assert_eq!(
                Settings::unknown_environment(),
                vec!["FAIRLINE_ASTERISK_ROOT".to_owned()]
            );
            Ok(())
        });
    }

    #[test]
    fn every_setting_can_be_set_from_the_environment() {
        let names = Settings::names();
        for name in [
            "listen",
            "database",
            "agi_listen",
            "metrics_listen",
            "flag_daily_contacts",
            "flag_weekly_contacts",
            "flag_scattergun_hours",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
    }

    #[test]
    fn unknown_settings_and_bad_values_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("a.toml", "no_such_setting = 1\n")?;
            assert!(Settings::load(Some(Path::new("a.toml"))).is_err());
            jail.create_file("b.toml", "timezone = \"Mars/Olympus\"\n")?;
            assert!(Settings::load(Some(Path::new("b.toml"))).is_err());
            jail.create_file("c.toml", "region = \"ZZ\"\n")?;
            assert!(Settings::load(Some(Path::new("c.toml"))).is_err());
            jail.create_file("d.toml", "trusted_proxies = [\"10.0.0.0/40\"]\n")?;
            let error = Settings::load(Some(Path::new("d.toml"))).unwrap_err();
            assert!(error.to_string().contains("10.0.0.0/40"), "{error}");
            jail.create_file("e.toml", "flag_scattergun_channels = 1\n")?;
            let error = Settings::load(Some(Path::new("e.toml"))).unwrap_err();
            assert!(
                error.to_string().contains("flag_scattergun_channels"),
                "{error}"
            );
            jail.create_file("f.toml", "flag_advisors_days = 0\n")?;
            assert!(Settings::load(Some(Path::new("f.toml"))).is_err());
            jail.create_file("g.toml", "public_url = \"fairline.example.org\"\n")?;
            let error = Settings::load(Some(Path::new("g.toml"))).unwrap_err();
            assert!(error.to_string().contains("http"), "{error}");
            Ok(())
        });
    }
}
