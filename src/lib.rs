//! # fairline
//!
//! Call screening for helplines: a PBX asks, on every inbound call, what to
//! do with the caller; fairline answers from the measures a supervisor agreed
//! with that caller under the respectful communication policy.
//!
//! # Layout
//!
//! - [`domain`]: the vocabulary as types that parse (phone numbers, measures,
//!   number rules, call ids). Depends on nothing else here.
//! - [`decision`]: `decide()`, a pure function from the call and what is on
//!   record to route / announce / divert / block. Depends on `domain` only.
pub mod decision;
pub mod domain;
