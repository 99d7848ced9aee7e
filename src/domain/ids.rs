//! Small newtypes for the values that cross the API: call ids, emails,
//! roles, contact channels and enquiry states.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The PBX's id for one call, and the idempotency key of screening.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CallId(String);

impl CallId {
    pub const MAX_LEN: usize = 128;

    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let value = input.trim();
        if value.is_empty() {
            return Err("is required");
        }
        if value.len() > Self::MAX_LEN {
            return Err("is longer than 128 characters");
        }
        if !value.chars().all(|c| c.is_ascii_graphic()) {
            return Err("may hold only printable ASCII without spaces");
        }
        Ok(CallId(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, lower-cased so one address is one identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Checks the address's grammar (RFC 5322, by the `email_address`
    /// crate) with a dot in the domain, and no display name, domain literal
    /// (`a@[192.0.2.1]`) or quoted local part: none belongs in an address a
    /// caller gives a helpline, and a quoted one could carry markup. Whether
    /// it receives mail is not fairline's question.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let value = input.trim().to_lowercase();
        let options = email_address::Options::default()
            .with_required_tld()
            .without_domain_literal()
            .without_display_text();
        let (local, _) = value.rsplit_once('@').ok_or("is not an email address")?;
        let shaped = value.len() <= 254
            && !local.starts_with('"')
            && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && email_address::EmailAddress::parse_with_options(&value, options).is_ok();
        if shaped {
            Ok(Email(value))
        } else {
            Err("is not an email address")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an API key may do. Ordered by reach: each role's endpoints are
/// listed in `auth`, not implied by the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Pbx,
    Advisor,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Pbx => "pbx",
            Role::Advisor => "advisor",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pbx" => Ok(Role::Pbx),
            "advisor" => Ok(Role::Advisor),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role {other:?} (expected pbx, advisor, supervisor or admin)"
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a contact reached the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    Email,
    Web,
    Letter,
    InPerson,
}

impl Channel {
    /// Every channel, in the order reports list them.
    pub const ALL: [Channel; 5] = [
        Channel::Phone,
        Channel::Email,
        Channel::Web,
        Channel::Letter,
        Channel::InPerson,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Web => "web",
            Channel::Letter => "letter",
            Channel::InPerson => "in_person",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnquiryStatus {
    Open,
    Closed,
}

impl EnquiryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EnquiryStatus::Open => "open",
            EnquiryStatus::Closed => "closed",
        }
    }
}

/// How a request names an enquiry: its reference (`ENQ-12`) or its id,
/// the id as a JSON number (`2`) or as text (`"2"`), since a PBX's IVR and
/// a script each write it their own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnquiryName(String);

impl EnquiryName {
    /// The reference or the id, as text: what `Enquiry::is_named_by` and
    /// the store's look-up compare.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A reference or an id typed into a page's form.
    pub fn from_text(text: &str) -> Self {
        EnquiryName(text.to_owned())
    }
}

impl<'de> Deserialize<'de> for EnquiryName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = EnquiryName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an enquiry's reference or id")
            }
            fn visit_u64<E: serde::de::Error>(self, id: u64) -> Result<EnquiryName, E> {
                Ok(EnquiryName(id.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, id: i64) -> Result<EnquiryName, E> {
                Ok(EnquiryName(id.to_string()))
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<EnquiryName, E> {
                Ok(EnquiryName(text.to_owned()))
            }
        }
        deserializer.deserialize_any(Name)
    }
}

/// A record's id as a path or a reference gives it: a newtype per kind of
/// record, so a person's id cannot be handed where a measure's is wanted.
pub trait RecordId: Copy + Send + 'static {
    /// What the record is called in a 404 (`person not found`).
    const WHAT: &'static str;
    fn from_raw(raw: i64) -> Self;
    fn get(self) -> i64;
}

macro_rules! record_id {
    ($($(#[$doc:meta])* $name:ident => $what:literal),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl RecordId for $name {
            const WHAT: &'static str = $what;
            fn from_raw(raw: i64) -> Self {
                $name(raw)
            }
            fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

record_id! {
    /// A person known to the service.
    PersonId => "person",
    /// One of a person's phone numbers or email addresses.
    IdentityId => "identity",
    /// A measure agreed with a person.
    MeasureId => "measure",
    /// An issue a person raised.
    EnquiryId => "enquiry",
    /// One contact on any channel.
    ContactId => "contact",
    /// A number rule (block or allow).
    NumberRuleId => "number rule",
    /// A review-queue flag.
    FlagId => "flag",
    /// An appeal or complaint about a measure.
    AppealId => "appeal",
    /// An advisor in the directory.
    AdvisorId => "advisor",
    /// One review of a measure (continue, change or end).
    ReviewId => "review",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_ids_must_be_short_printable_and_present() {
        assert!(CallId::parse("1732890000.42").is_ok());
        assert!(CallId::parse("").is_err());
        assert!(CallId::parse("has space").is_err());
        assert!(CallId::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn emails_are_lower_cased_and_shape_checked() {
        assert_eq!(
            Email::parse(" Ann@Example.ORG ").unwrap().as_str(),
            "ann@example.org"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "a b@example.org",
            "a@b..com",
            "<script>@x.com",
            "\"<script>\"@x.com",
            "ann@[192.0.2.1]",
            "Ann <ann@example.org>",
            "ann@-example.org",
            "ann@example.org.",
            "a\u{0}@example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
