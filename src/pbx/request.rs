//! What a PBX sends to ask about a call, on any of its wires (the webhook's
//! query or form, FastAGI's environment, FreeSWITCH's form), before it is
//! read into the `ParsedCall` the screening path takes.

use serde::Deserialize;

use crate::domain::{CallId, CallerId, EnquiryName};
use crate::error::AppError;
use crate::screening::ParsedCall;
use crate::state::AppState;

/// A screening request as the PBX sent it, before parsing.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ScreenRequest {
    pub caller: Option<String>,
    #[serde(default)]
    pub dialed: String,
    pub call_id: Option<String>,
    /// A reference or an id; in JSON the id may be a number.
    #[serde(default, deserialize_with = "enquiry_text")]
    pub enquiry: Option<String>,
    pub urgent: Option<YesNo>,
}

/// A yes/no as PBXs send it: `1`, `true`, `yes` in a form, or a JSON
/// boolean or number.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum YesNo {
    Bool(bool),
    Number(u8),
    Text(String),
}

impl YesNo {
    pub fn parse(&self) -> Option<bool> {
        match self {
            YesNo::Bool(b) => Some(*b),
            YesNo::Number(0) => Some(false),
            YesNo::Number(1) => Some(true),
            YesNo::Number(_) => None,
            YesNo::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "" | "0" | "false" | "no" => Some(false),
                "1" | "true" | "yes" => Some(true),
                _ => None,
            },
        }
    }
}

impl ScreenRequest {
    pub fn parse(self, state: &AppState) -> Result<ParsedCall, AppError> {
        let screened = state.screened.covers(&self.dialed, state.region);
        self.parse_screened(state, screened)
    }

    /// `parse` for an adapter that has already asked whether the dialed
    /// number is screened (FreeSWITCH asks before anything else), so a
    /// call's number is read once.
    pub fn parse_screened(self, state: &AppState, screened: bool) -> Result<ParsedCall, AppError> {
        let call_id = CallId::parse(self.call_id.as_deref().unwrap_or(""))
            .map_err(|m| AppError::invalid("call_id", m))?;
        let caller = self
            .caller
            .ok_or_else(|| AppError::invalid("caller", "is required (empty means withheld)"))?;
        let caller = CallerId::parse(&caller, state.region)
            .map_err(|e| AppError::invalid("caller", e.to_string()))?;
        let urgent = match &self.urgent {
            None => false,
            Some(flag) => flag
                .parse()
                .ok_or_else(|| AppError::invalid("urgent", "must be 1 or 0"))?,
        };
        let enquiry = self
            .enquiry
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty());
        if enquiry.as_ref().is_some_and(|e| e.len() > 64) {
            return Err(AppError::invalid("enquiry", "is longer than 64 characters"));
        }
        if self.dialed.len() > 64 {
            return Err(AppError::invalid("dialed", "is longer than 64 characters"));
        }
        // Both are recorded with the call and shown to staff.
        for (field, value) in [
            ("dialed", Some(&self.dialed)),
            ("enquiry", enquiry.as_ref()),
        ] {
            if value.is_some_and(|v| v.chars().any(char::is_control)) {
                return Err(AppError::invalid(
                    field,
                    "must not contain control characters",
                ));
            }
        }
        Ok(ParsedCall {
            call_id,
            caller,
            dialed: self.dialed.trim().to_owned(),
            enquiry,
            urgent,
            screened,
        })
    }
}

fn enquiry_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<EnquiryName>::deserialize(d)?.map(|name| name.as_str().to_owned()))
}
