//! Routing to an advisor: the one a single point of contact agreed, or the
//! one already handling the open enquiry the call is about. Both are
//! looked up in the directory as it stands at the call; an advisor who
//! cannot take calls (retired, no target) leaves the call on the default
//! target, never turns it away.

use super::{Call, Person};
use crate::domain::{route_of, AdvisorRoute, Enquiry, EnquiryStatus, Measure, PbxName};

/// Where a single point of contact in force sends the call.
pub(super) struct SinglePoint<'a> {
    pub measure: &'a Measure,
    /// `None`: the agreed advisor cannot take calls now, so the default
    /// target (the measure still decided, and says why).
    pub target: Option<&'a PbxName>,
    pub detail: String,
}

pub(super) fn single_point<'a>(
    measure: &'a Measure,
    advisor: Option<&'a str>,
    target: Option<&'a PbxName>,
    routes: &'a [AdvisorRoute],
) -> SinglePoint<'a> {
    let (target, detail) = match (target, advisor) {
        // Recorded before the directory: the agreed target, as agreed.
        (Some(target), Some(advisor)) => (Some(target), format!("route to {advisor} at {target}")),
        (Some(target), None) => (Some(target), format!("route to the agreed target {target}")),
        (None, Some(advisor)) => match taking_calls(routes, advisor) {
            Ok(target) => (Some(target), format!("route to {advisor}")),
            Err(why) => (
                None,
                format!("{advisor} {why}, so the call goes to the default target"),
            ),
        },
        (None, None) => (
            None,
            "no advisor or target agreed, so the call goes to the default target".into(),
        ),
    };
    SinglePoint {
        measure,
        target,
        detail,
    }
}

/// The advisor already handling the open enquiry the call is about.
pub(super) struct Assigned<'a> {
    pub target: &'a PbxName,
    pub detail: String,
}

/// The enquiry the call is about and where its advisor takes calls: the
/// open, assigned enquiry the call names, else the newest of the caller's
/// open, assigned enquiries. `Err` says why that advisor cannot take the
/// call; `None`: no open enquiry has an advisor.
pub(super) fn assigned<'a>(
    call: &Call<'_>,
    person: &Person<'a>,
) -> Option<Result<Assigned<'a>, String>> {
    let open_and_assigned = |e: &&Enquiry| e.status == EnquiryStatus::Open && e.advisor.is_some();
    let enquiries = person.enquiries;
    let enquiry = call
        .enquiry
        .and_then(|given| enquiries.iter().find(|e| e.is_named_by(given)))
        .filter(open_and_assigned)
        // Ids are given in the order enquiries are opened.
        .or_else(|| {
            enquiries
                .iter()
                .filter(open_and_assigned)
                .max_by_key(|e| e.id)
        })?;
    let advisor = enquiry.advisor.as_deref()?;
    let about = match &enquiry.reference {
        Some(reference) => format!("enquiry {reference}"),
        None => format!("enquiry {}", enquiry.id),
    };
    Some(match taking_calls(person.advisors, advisor) {
        Ok(target) => Ok(Assigned {
            target,
            detail: format!("route to {advisor}, who has {about}"),
        }),
        Err(why) => Err(format!("{advisor}, who has {about}, {why}")),
    })
}

fn taking_calls<'a>(
    routes: &'a [AdvisorRoute],
    advisor: &str,
) -> Result<&'a PbxName, &'static str> {
    route_of(routes, advisor)
        .ok_or("is not in the advisors directory")
        .and_then(AdvisorRoute::target)
}

#[cfg(test)]
mod tests;
