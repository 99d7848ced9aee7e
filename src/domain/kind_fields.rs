//! A measure's kind and its own fields as a request or a form gives them,
//! read into a [`MeasureKind`]: which fields each kind takes, which it
//! requires, and that no other kind's field came along. One place, so the
//! API and the pages read a measure alike.

use super::{ChannelScope, FieldError, MeasureKind, PbxName, Period, Window};

/// The kinds as written: those that shape a call, the first steps that
/// enforce nothing, and the block, last as the policy has it.
pub const KIND_NAMES: [&str; 9] = [
    "frequency_limit",
    "contact_windows",
    "single_point_of_contact",
    "open_enquiries_only",
    "new_issues_only",
    "change_requested",
    "style_warning",
    "other",
    "block",
];

/// Every kind's own fields, each present or not.
#[derive(Debug, Clone, Default)]
pub struct KindFields {
    pub max_contacts: Option<u32>,
    pub per: Option<Period>,
    pub channels: Option<ChannelScope>,
    pub windows: Option<Vec<Window>>,
    pub advisor: Option<String>,
    pub target: Option<PbxName>,
    /// A first step's words: what was asked, warned of or agreed.
    pub details: Option<String>,
    /// A style warning's reminder, played before the call is put through.
    pub prompt: Option<PbxName>,
}

fn required<T>(field: &str, value: Option<T>) -> Result<T, FieldError> {
    value.ok_or_else(|| FieldError::new(field, "is required for this kind"))
}

impl KindFields {
    /// The measure of kind `kind` these fields describe, checked whole.
    pub fn into_kind(self, kind: &str) -> Result<MeasureKind, FieldError> {
        self.refuse_foreign_fields(kind)?;
        let kind = match kind {
            "frequency_limit" => MeasureKind::FrequencyLimit {
                max_contacts: required("max_contacts", self.max_contacts)?,
                per: required("per", self.per)?,
                channels: self.channels.unwrap_or(ChannelScope::Phone),
            },
            "contact_windows" => MeasureKind::ContactWindows {
                windows: required("windows", self.windows)?,
            },
            "single_point_of_contact" => {
                if self.advisor.is_some() && self.target.is_some() {
                    // Which would win? Neither guess is safe for a measure
                    // agreed with a caller.
                    return Err(FieldError::new(
                        "target",
                        "give either advisor (an advisor in the directory, whose target is \
                         used) or target, not both",
                    ));
                }
                MeasureKind::SinglePointOfContact {
                    advisor: self.advisor,
                    target: self.target,
                }
            }
            "open_enquiries_only" => MeasureKind::OpenEnquiriesOnly,
            "new_issues_only" => MeasureKind::NewIssuesOnly,
            "change_requested" => MeasureKind::ChangeRequested {
                details: required("details", self.details)?,
            },
            "style_warning" => MeasureKind::StyleWarning {
                details: required("details", self.details)?,
                prompt: self.prompt,
            },
            "other" => MeasureKind::Other {
                details: required("details", self.details)?,
            },
            "block" => MeasureKind::Block,
            _ => unreachable!("refuse_foreign_fields refuses unknown kinds"),
        };
        kind.validate()?;
        Ok(kind)
    }

    fn refuse_foreign_fields(&self, kind: &str) -> Result<(), FieldError> {
        let own: &[&str] = match kind {
            "frequency_limit" => &["max_contacts", "per", "channels"],
            "contact_windows" => &["windows"],
            "single_point_of_contact" => &["advisor", "target"],
            "change_requested" | "other" => &["details"],
            "style_warning" => &["details", "prompt"],
            "open_enquiries_only" | "new_issues_only" | "block" => &[],
            _ => {
                return Err(FieldError::new(
                    "kind",
                    format!("must be one of {}", KIND_NAMES.join(", ")),
                ))
            }
        };
        let given = [
            ("max_contacts", self.max_contacts.is_some()),
            ("per", self.per.is_some()),
            ("channels", self.channels.is_some()),
            ("windows", self.windows.is_some()),
            ("advisor", self.advisor.is_some()),
            ("target", self.target.is_some()),
            ("details", self.details.is_some()),
            ("prompt", self.prompt.is_some()),
        ];
        match given
            .iter()
            .find(|(name, present)| *present && !own.contains(name))
        {
            Some((name, _)) => Err(FieldError::new(*name, format!("does not apply to {kind}"))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_name_reads_back_as_the_kind_of_that_name() {
        for name in KIND_NAMES {
            let fields = match name {
                "frequency_limit" => KindFields {
                    max_contacts: Some(2),
                    per: Some(Period::Day),
                    ..KindFields::default()
                },
                "contact_windows" => KindFields {
                    windows: Some(vec![serde_json::from_value(serde_json::json!(
                        {"days": ["tue"], "from": "10:00", "to": "12:00"}
                    ))
                    .unwrap()]),
                    ..KindFields::default()
                },
                "single_point_of_contact" => KindFields {
                    target: Some(PbxName::parse("2001").unwrap()),
                    ..KindFields::default()
                },
                "change_requested" | "style_warning" | "other" => KindFields {
                    details: Some("one email a week, not ten".into()),
                    ..KindFields::default()
                },
                _ => KindFields::default(),
            };
            assert_eq!(fields.into_kind(name).unwrap().name(), name);
        }
    }

    #[test]
    fn another_kinds_field_is_refused_naming_it() {
        let fields = KindFields {
            max_contacts: Some(2),
            ..KindFields::default()
        };
        let error = fields.into_kind("block").unwrap_err();
        assert_eq!(error.field, "max_contacts");
        assert!(error.message.contains("block"), "{error}");
    }

    #[test]
    fn an_unknown_kind_is_refused_listing_the_kinds() {
        let error = KindFields::default().into_kind("ban").unwrap_err();
        assert_eq!(error.field, "kind");
        assert!(error.message.contains("frequency_limit"), "{error}");
    }

    #[test]
    fn a_single_point_of_contact_names_an_advisor_or_a_target_not_both() {
        let spoc = |advisor: Option<&str>, target: Option<&str>| {
            KindFields {
                advisor: advisor.map(str::to_owned),
                target: target.map(|t| PbxName::parse(t).unwrap()),
                ..KindFields::default()
            }
            .into_kind("single_point_of_contact")
        };
        assert!(spoc(Some("Alex"), None).is_ok());
        assert!(spoc(None, Some("2001")).is_ok());
        assert_eq!(spoc(None, None).unwrap_err().field, "advisor");
        assert_eq!(
            spoc(Some("Alex"), Some("2001")).unwrap_err().field,
            "target"
        );
    }

    #[test]
    fn a_kinds_required_field_is_named_when_missing() {
        let fields = KindFields {
            per: Some(Period::Week),
            ..KindFields::default()
        };
        assert_eq!(
            fields.into_kind("frequency_limit").unwrap_err().field,
            "max_contacts"
        );
    }

    #[test]
    fn a_first_step_needs_its_details_and_only_a_style_warning_takes_a_prompt() {
        let first = |details: Option<&str>, prompt: Option<&str>, kind: &str| {
            KindFields {
                details: details.map(str::to_owned),
                prompt: prompt.map(|p| PbxName::parse(p).unwrap()),
                ..KindFields::default()
            }
            .into_kind(kind)
        };
        for kind in ["change_requested", "style_warning", "other"] {
            assert_eq!(first(None, None, kind).unwrap_err().field, "details");
            assert_eq!(first(Some("  "), None, kind).unwrap_err().field, "details");
            assert!(first(Some("no shouting\nplease"), None, kind).is_ok());
        }
        let warning = first(
            Some("swearing at advisors"),
            Some("fairline-style"),
            "style_warning",
        );
        assert!(matches!(
            warning,
            Ok(MeasureKind::StyleWarning {
                prompt: Some(_),
                ..
            })
        ));
        for kind in ["change_requested", "other"] {
            let error = first(Some("x"), Some("fairline-style"), kind).unwrap_err();
            assert_eq!(error.field, "prompt");
        }
        let error = first(Some("x"), None, "block").unwrap_err();
        assert_eq!(error.field, "details");
    }
}
