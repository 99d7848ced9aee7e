//! # fairline
//!
//! Call screening for helplines: a PBX asks, on every inbound call, what to
//! do with the caller; fairline answers from the measures a supervisor agreed
//! with that caller under the respectful communication policy.
//!
//! # Layout
//!
//! Arrows point down and inwards: `app` mounts the faces (`http`, `pbx`,
//! `ops`), which call `screening` and `store`; `decision` depends on
//! `domain` only; `state`, `keys` and `metrics` are leaves every face may
//! import, so nothing imports `app` and no imports run in a circle. The one
//! arrow into `http` is FreeSWITCH's adapter, itself an HTTP handler, which
//! takes its key through `http::auth` like every other request.
//!
//! - [`domain`]: the vocabulary as types that parse (phone numbers, measures,
//!   number rules, call ids, flag kinds and their urgency, reviews, advisors).
//! - [`decision`]: `decide()`, a pure function from the call, what is on
//!   record and a handed-in clock to route / announce / divert / block, the
//!   `Rule`s it names, and for a divert by a limit or the agreed times when
//!   the caller can next get through.
//! - [`store`]: SQLite: migrations, the group-committing writer, its
//!   checkpointer, the reader pool, the screening cache of rules and
//!   callers, typed columns, queries named for their purpose, and
//!   `history`: the call history's filters, keyset pages and batches.
//! - [`screening`]: the per-call path every PBX adapter shares: gather,
//!   decide, record, answer; fails open.
//! - [`http`]: one router per area (screening, people, advisors, enquiries,
//!   measures with their reviews, notices and appeals, number rules,
//!   contacts, history: the call-history lookups, timelines, audit, flags
//!   and the review queue, reports, privacy: subject access and erasure),
//!   `auth` (the extractor that demands a role), `csv` (CSV answers for
//!   any listing) and `serve` (the accept loop with its connection caps).
//! - [`pbx`]: every PBX-facing face: the `/v1/screen` webhook, FastAGI for Asterisk,
//!   mod_xml_curl for FreeSWITCH.
//! - [`reports`]: contacts per day, week or month and the register of
//!   measures, for the API and the pages alike (the queries are
//!   `store::reports`).
//! - [`retention`]: the daily purge of old contacts and ended measures, and
//!   `fairline purge` (the deleting itself is `store::retention`).
//! - [`notice`]: the written notice of a measure, rendered from a template.
//! - [`ops`]: liveness, readiness and the `/metrics` page; [`metrics`]: the
//!   recording functions the store, screening and FastAGI call.
//! - [`state`]: what every handler can reach; [`keys`]: API keys and their
//!   cache; [`limits`]: rate limits, sign-in lockout, connection caps and
//!   the screening flood guard.
//! - [`config`]: layered settings; [`app`]: builds the state, mounts the
//!   routers and serves; [`error`]: the API's one error type; [`cli`]: the
//!   command line.
pub mod accounts;
pub mod app;
pub mod cli;
pub mod config;
pub mod decision;
pub mod domain;
pub mod error;
pub mod http;
pub mod keys;
pub mod limits;
pub mod metrics;
pub mod notice;
pub mod ops;
pub mod pbx;
pub mod reports;
pub mod retention;
pub mod screening;
pub mod state;
pub mod store;
