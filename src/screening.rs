//! The per-call path shared by every PBX adapter: parse what the PBX sent,
//! return the first answer for a retried call id, gather what is on record,
//! decide, and answer only once the call is committed. Fails open.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tracing::Instrument;

use crate::state::AppState;
use rusqlite::Connection;

use crate::decision::calendar;
use crate::decision::{self, Call, Decision, Person, Policy, Situation};
use crate::domain::{
    CallId, CallerId, ContactId, EnquiryId, FlagKind, FlagThresholds, NumberRule, Period,
    PhoneNumber,
};
use crate::error::AppError;
use crate::store::caller_cache::CallerRecord;
use crate::store::contacts::ScreenedCall;
use crate::store::{contacts, flags, CallerCache, StoreError};

/// A request that parsed: what the decision and the record need.
pub struct ParsedCall {
    pub call_id: CallId,
    pub caller: CallerId,
    pub dialed: String,
    pub enquiry: Option<String>,
    pub urgent: bool,
    /// The dialed number is one of `screen_numbers` (or that list is empty).
    pub screened: bool,
}

/// A call id already on record for a different call: another caller, a
/// withheld number where there was one (or the reverse), or the urgent
/// option chosen or dropped. A PBX that reuses ids, or someone replaying
/// one, must not be handed another call's answer (a block, or a route
/// past one), so the request is refused and the PBX fails open.
#[derive(Debug, thiserror::Error)]
#[error("call_id {call_id} is on record for another call: its {field} differs")]
pub struct RetryConflict {
    pub call_id: CallId,
    /// The request field that differs: `caller` or `urgent`.
    pub field: &'static str,
}

impl From<RetryConflict> for AppError {
    fn from(conflict: RetryConflict) -> Self {
        AppError::Conflict {
            field: conflict.field,
            message: format!(
                "this call_id is on record for another call (its {} differs); \
                 a retry must repeat the first request",
                conflict.field
            ),
        }
    }
}

/// Which field, if any, shows that `call` is not a retry of `earlier`.
/// The dialled number and the enquiry are not compared: an IVR may fill
/// in the enquiry on a second try, and neither changes who is calling.
fn differs_from(earlier: &ScreenedCall, call: &ParsedCall) -> Option<&'static str> {
    if earlier.caller.as_deref() != call.caller.number().map(|n| n.as_str()) {
        return Some("caller");
    }
    (earlier.urgent != call.urgent).then_some("urgent")
}

/// What the store knows about a caller.
enum Known {
    /// This call id was screened before: what was recorded.
    Retry(ScreenedCall),
    Fresh {
        rules: Vec<NumberRule>,
        person: Option<Record>,
    },
}

/// A known caller's record and recent contacts, as far as the decision
/// needs them.
struct Record {
    caller: Arc<CallerRecord>,
    history: Vec<decision::PastContact>,
}

/// Screens one call. Never fails for a well-formed request: when storage
/// does, the call is routed with reason `fail_open` and the error logged.
/// A call id on record for another call is refused (logged here, once).
/// A call to a number that is not the helpline's is routed with reason
/// `not_screened` and leaves no trace: no contact, no flag, no flood count.
pub async fn screen(
    state: &AppState,
    call: ParsedCall,
    recorded_by: &str,
) -> Result<Decision, RetryConflict> {
    if !call.screened {
        tracing::debug!(call_id = %call.call_id, "not a helpline number; not screened");
        let decision = Decision::not_screened(&state.policy.default_target);
        crate::metrics::decision(decision.action, decision.reason);
        return Ok(decision);
    }
    let span = tracing::info_span!(
        "screen",
        call_id = %call.call_id,
        caller = %call.caller.number().map(|n| n.redacted()).unwrap_or_else(|| "withheld".into()),
    );
    let started = std::time::Instant::now();
    let decision = async {
        match screen_and_record(state, call, recorded_by).await {
            Ok(Ok(decision)) => {
                tracing::info!(action = decision.action.as_str(), reason = %decision.reason, "screened");
                Ok(decision)
            }
            Ok(Err(conflict)) => {
                tracing::warn!(field = conflict.field, "call id on record for another call; refused");
                Err(conflict)
            }
            Err(error) => {
                tracing::error!(%error, "screening failed; routing the call (fail open)");
                Ok(Decision::fail_open(&state.policy.default_target))
            }
        }
    }
    .instrument(span)
    .await?;
    crate::metrics::screening_time(started);
    crate::metrics::decision(decision.action, decision.reason);
    Ok(decision)
}

/// Looks up, decides, records and raises flags in one job on the writer.
/// The writer's connection made every change, so its page cache is always
/// warm (a reader's is emptied whenever the database changes), and a call
/// id seen twice at once is settled by the one thread that writes. Flags
/// are raised after the decision and cannot change it.
async fn screen_and_record(
    state: &AppState,
    call: ParsedCall,
    recorded_by: &str,
) -> Result<Result<Decision, RetryConflict>, StoreError> {
    let job = Job {
        now: state.now(),
        policy: state.policy.clone(),
        recorded_by: recorded_by.to_owned(),
        thresholds: state.settings.flag_thresholds(),
    };
    let limits = state.limits.clone();
    let cache = state.store.callers.clone();
    let (decision, raised) = state
        .store
        .write(move |conn| on_writer(conn, &cache, &job, &call, |number| limits.flooding(number)))
        .await?;
    // Counted once committed, so a failed batch counts nothing.
    for kind in raised {
        crate::metrics::flags_raised(kind, 1);
    }
    Ok(decision)
}

/// The writer job: look up, decide, record, raise flags. `flooding` asks
/// the flood guard about a fresh call's number (a retry is not counted).
fn on_writer(
    conn: &Connection,
    cache: &Mutex<CallerCache>,
    job: &Job,
    call: &ParsedCall,
    flooding: impl FnOnce(&PhoneNumber) -> bool,
) -> Result<(Result<Decision, RetryConflict>, Vec<FlagKind>), StoreError> {
    let known = {
        let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
        load(conn, &mut cache, call, job.now, &job.policy)?
    };
    let (rules, person) = match known {
        Known::Retry(earlier) => return Ok((answer_retry(earlier, call), Vec::new())),
        Known::Fresh { rules, person } => (rules, person),
    };
    let flooding = call.caller.number().is_some_and(flooding);
    let decision = decide(job, call, &rules, person.as_ref(), flooding);
    let (decision, raised) = record(conn, job, call, person.as_ref(), &decision)?;
    Ok((Ok(decision), raised))
}

/// What one screening job carries besides the call.
struct Job {
    now: DateTime<Utc>,
    policy: Arc<Policy>,
    recorded_by: String,
    thresholds: FlagThresholds,
}

/// A retry gets the first answer, unless it is another call under the same id.
fn answer_retry(earlier: ScreenedCall, call: &ParsedCall) -> Result<Decision, RetryConflict> {
    match differs_from(&earlier, call) {
        None => Ok(earlier.decision),
        Some(field) => Err(RetryConflict {
            call_id: call.call_id.clone(),
            field,
        }),
    }
}

/// The pure decision, handed what `load` gathered and the job's clock.
fn decide(
    job: &Job,
    call: &ParsedCall,
    rules: &[NumberRule],
    person: Option<&Record>,
    flooding: bool,
) -> Decision {
    decision::decide(
        &Situation {
            call: Call {
                caller: &call.caller,
                urgent: call.urgent,
                enquiry: call.enquiry.as_deref(),
                flooding,
            },
            rules,
            person: person.map(|r| Person {
                measures: &r.caller.measures,
                enquiries: &r.caller.enquiries,
                history: &r.history,
                advisors: &r.caller.advisors,
            }),
            now: job.now,
        },
        &job.policy,
    )
}

/// Records the call with its decision and raises the flags a fresh call
/// calls for; answers the decision on record and the flags raised.
fn record(
    conn: &Connection,
    job: &Job,
    call: &ParsedCall,
    person: Option<&Record>,
    decision: &Decision,
) -> Result<(Decision, Vec<FlagKind>), StoreError> {
    let person_id = person.map(|r| r.caller.person_id);
    let enquiry_id = person.and_then(|r| {
        let given = call.enquiry.as_deref()?;
        r.caller
            .enquiries
            .iter()
            .find(|e| e.is_named_by(given))
            .map(|e| e.id)
    });
    let recorded = contacts::record_call(
        conn,
        &contacts::NewCall {
            at: job.now,
            call_id: &call.call_id,
            caller: call.caller.number().map(|n| n.as_str()),
            dialed: &call.dialed,
            person_id,
            enquiry_id,
            urgent: call.urgent,
            decision,
            recorded_by: &job.recorded_by,
        },
    )?;
    // A retry (the call id already on record) raises nothing.
    let raised = match recorded.new_contact {
        Some(contact_id) => {
            let arrival = arrival(
                job,
                call,
                person,
                enquiry_id,
                contact_id,
                &recorded.decision,
            );
            flags::raise_for_contact_or_log(conn, &arrival)
        }
        None => Vec::new(),
    };
    Ok((recorded.decision, raised))
}

/// A fresh call as flags see it. Whether measures were in force for an
/// urgent caller is read from the caller's record in memory: no query.
fn arrival(
    job: &Job,
    call: &ParsedCall,
    person: Option<&Record>,
    enquiry_id: Option<EnquiryId>,
    contact_id: ContactId,
    decision: &Decision,
) -> flags::Arrival {
    let tz = job.policy.timezone;
    let today = calendar::local_date(job.now, tz);
    let under_measures = || {
        person.is_some_and(|r| {
            r.caller.measures.iter().any(|m| {
                m.terms
                    .in_force(today, job.policy.review_grace_days)
                    .is_ok()
            })
        })
    };
    let person_id = person.map(|r| r.caller.person_id);
    flags::Arrival {
        contact_id,
        at: job.now,
        person_id,
        enquiry: enquiry_id.zip(person_id),
        now: job.now,
        day_start: calendar::period_start(Period::Day, job.now, tz),
        today,
        thresholds: job.thresholds,
        checks: flags::Checks {
            urgent: call.urgent.then(under_measures),
            frequency: true,
            turned_away: !decision.action.reaches_helpline(),
            scattergun: enquiry_id.is_some(),
            advisors: false,
        },
    }
}

fn load(
    conn: &Connection,
    cache: &mut CallerCache,
    call: &ParsedCall,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Result<Known, StoreError> {
    if let Some(earlier) = contacts::screened_call(conn, &call.call_id)? {
        return Ok(Known::Retry(earlier));
    }
    let Some(number) = call.caller.number() else {
        return Ok(Known::Fresh {
            rules: Vec::new(),
            person: None,
        });
    };
    cache.refresh(conn)?;
    let rules = cache.rules_for(number);
    let Some(caller) = cache.caller(conn, number)? else {
        return Ok(Known::Fresh {
            rules,
            person: None,
        });
    };
    let history = match decision::history_since(&caller.measures, now, policy) {
        Some(since) => contacts::history_since(conn, caller.person_id, since)?,
        None => Vec::new(),
    };
    Ok(Known::Fresh {
        rules,
        person: Some(Record { caller, history }),
    })
}

#[cfg(test)]
mod complaint_properties;
#[cfg(test)]
mod properties;
