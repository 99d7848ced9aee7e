//! The helpline's vocabulary as types that can only be built valid:
//! phone numbers, people's identities, measures, number rules, call ids.

mod advisor;
mod appeal;
mod dates;
mod flag;
mod ids;
mod kind_fields;
mod measure;
mod notice;
mod number_rule;
mod pbx;
mod phone;
#[cfg(test)]
mod properties;
mod resolution;
mod review;

/// One issue a person raised; "the same issue" means the same enquiry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Enquiry {
    pub id: EnquiryId,
    pub person_id: PersonId,
    pub reference: Option<String>,
    pub topic: String,
    pub status: EnquiryStatus,
    pub advisor: Option<String>,
}

impl Enquiry {
    /// Whether the PBX's `enquiry` value (a reference or an id typed into
    /// the IVR) names this enquiry.
    pub fn is_named_by(&self, given: &str) -> bool {
        self.reference.as_deref() == Some(given) || self.id.to_string() == given
    }
}

pub use advisor::{route_of, AdvisorName, AdvisorRoute};
pub use appeal::{independent_of, AppealOutcome};
pub use dates::{Date, Moment};
pub use flag::{FlagKind, FlagStatus, FlagThresholds, Urgency};
pub use ids::{
    AdvisorId, AppealId, CallId, Channel, ContactId, Email, EnquiryId, EnquiryName, EnquiryStatus,
    FlagId, IdentityId, MeasureId, NumberRuleId, PersonId, RecordId, ReviewId, Role,
};
pub use kind_fields::{KindFields, KIND_NAMES};
pub use measure::{
    BreachAction, ChannelScope, Ending, Measure, MeasureKind, MeasureTerms, OnBreach, Period,
    Window, MAX_WINDOWS,
};
pub use notice::NoticeMethod;
pub use number_rule::{MatchKind, NumberPattern, NumberRule, RuleAction};
pub use pbx::{PbxName, ScreenedNumbers};
pub use phone::{CallerId, PhoneError, PhoneNumber, Region};
pub use resolution::block_may_follow;
pub use review::{latest_review_on, next_review_on, ReviewOutcome};

/// A value that failed to parse, naming the request field it came from so
/// the API can say exactly what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}
