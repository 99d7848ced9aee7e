//! Black-box tests: each starts the real `fairline` binary on a free port
//! with its own database and talks HTTP to it.

mod advisors;
mod agi;
mod appeals;
mod appeals_waiting;
mod backup;
mod cli;
mod complaints;
mod enquiry_names;
mod first_steps;
mod flags;
mod freeswitch;
mod helpers;
mod history;
mod hostile_connections;
mod hostile_input;
mod hostile_keys;
mod hostile_pbx;
mod hostile_records;
mod limits;
mod next_allowed;
mod notice;
mod ops;
mod people;
mod privacy;
mod reports;
mod retention;
mod review_queue;
mod roles;
mod rules_csv;
mod rules_from_history;
mod screening;
mod shutdown;
mod timeline;
mod ui_accounts;
mod ui_sessions;
