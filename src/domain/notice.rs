//! How a person was told in writing about a measure.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeMethod {
    Post,
    Email,
    /// The letter handed over in person.
    InPerson,
    /// The letter read out by phone, for someone who cannot read one.
    Phone,
}

impl NoticeMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeMethod::Post => "post",
            NoticeMethod::Email => "email",
            NoticeMethod::InPerson => "in_person",
            NoticeMethod::Phone => "phone",
        }
    }
}
