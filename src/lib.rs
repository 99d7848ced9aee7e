//! # fairline
//!
//! Call screening for helplines: a PBX asks, on every inbound call, what to
//! do with the caller; fairline answers from the measures a supervisor agreed
//! with that caller under the respectful communication policy.
//!
//! # Layout
//!
//! Arrows point down and inwards: `http` calls `screening` and `store`;
//! `decision` depends on `domain` only; nothing depends on `http`.
//!
//! - [`domain`]: the vocabulary as types that parse (phone numbers, measures,
//!   number rules, call ids).
//! - [`decision`]: `decide()`, a pure function from the call, what is on
//!   record and a handed-in clock to route / announce / divert / block.
//! - [`store`]: SQLite: migrations, the group-committing writer, its
//!   checkpointer, the reader pool, the screening cache of rules and
//!   callers, and queries named for their purpose.
//! - [`screening`]: the per-call path every PBX adapter shares: load, decide,
//!   record, answer; fails open.
//! - [`http`]: one router per area (screening, people, enquiries, measures,
//!   number rules, contacts, audit, flags: the review queue, privacy:
//!   subject access and erasure).
//! - [`pbx`]: adapters for the PBXs' own protocols: FastAGI for Asterisk,
//!   mod_xml_curl for FreeSWITCH.
//! - [`retention`]: the daily purge of old contacts and ended measures, and
//!   `fairline purge` (the deleting itself is `store::retention`).
//! - [`ops`]: liveness, readiness and Prometheus metrics (whose recording
//!   functions the store, screening and FastAGI call).
//! - [`auth`]: API keys, roles and the extractor that demands them;
//!   [`limits`]: rate limits, sign-in lockout and the screening flood guard.
//! - [`config`]: layered settings; [`app`]: state, router, serving;
//!   [`error`]: the API's one error type; [`cli`]: the command line.
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod decision;
pub mod domain;
pub mod error;
pub mod http;
pub mod limits;
pub mod ops;
pub mod pbx;
pub mod retention;
pub mod screening;
pub mod store;
