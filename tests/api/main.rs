//! Black-box tests: each starts the real `fairline` binary on a free port
//! with its own database and talks HTTP to it.

mod agi;
mod cli;
mod freeswitch;
mod helpers;
mod people;
mod roles;
mod screening;
