//! Advisors: the small directory that enquiries and single points of
//! contact name, each advisor with the target where they take calls.

use serde::Serialize;

use super::{FieldError, PbxName};

/// An advisor's name as the directory holds it: trimmed, one line, 1 to
/// [`AdvisorName::MAX_LEN`] characters. Names are told apart without
/// regard to case (the store's `COLLATE NOCASE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AdvisorName(String);

impl AdvisorName {
    pub const MAX_LEN: usize = 100;

    /// Reads `input`, naming `field` (`name`, `advisor`) when it is no name.
    pub fn parse(field: &str, input: &str) -> Result<Self, FieldError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
        if name.chars().count() > Self::MAX_LEN {
            return Err(FieldError::new(
                field,
                format!("must be at most {} characters", Self::MAX_LEN),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "must not contain control characters",
            ));
        }
        Ok(AdvisorName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An advisor as the decision needs them: the name an enquiry or a
/// measure gives, and where their calls go now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisorRoute {
    pub name: String,
    pub target: Option<PbxName>,
    pub retired: bool,
}

impl AdvisorRoute {
    /// Where this advisor takes calls, or why they cannot take them.
    pub fn target(&self) -> Result<&PbxName, &'static str> {
        match (&self.target, self.retired) {
            (_, true) => Err("is retired"),
            (None, false) => Err("has no target"),
            (Some(target), false) => Ok(target),
        }
    }
}

/// Finds the advisor `name` among `routes`. Names on enquiries and
/// measures are stored in the directory's spelling, so this is exact.
pub fn route_of<'a>(routes: &'a [AdvisorRoute], name: &str) -> Option<&'a AdvisorRoute> {
    routes.iter().find(|route| route.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_and_must_be_one_short_line() {
        assert_eq!(
            AdvisorName::parse("name", "  Alex ").unwrap().as_str(),
            "Alex"
        );
        for bad in ["", "   ", "Al\nex", "A\u{0}", &"a".repeat(101)] {
            assert_eq!(
                AdvisorName::parse("advisor", bad).unwrap_err().field,
                "advisor"
            );
        }
        assert!(AdvisorName::parse("name", &"é".repeat(100)).is_ok());
    }

    #[test]
    fn only_an_advisor_with_a_target_who_is_not_retired_takes_calls() {
        let route = |target: Option<&str>, retired| AdvisorRoute {
            name: "Alex".into(),
            target: target.map(|t| PbxName::parse(t).unwrap()),
            retired,
        };
        assert_eq!(
            route(Some("2001"), false).target().unwrap().as_str(),
            "2001"
        );
        assert_eq!(route(Some("2001"), true).target(), Err("is retired"));
        assert_eq!(route(None, false).target(), Err("has no target"));
        assert_eq!(route(None, true).target(), Err("is retired"));
    }
}
