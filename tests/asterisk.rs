//! fairline's PBX integration against a real Asterisk placing real calls.
//!
//! Each test starts the real `fairline` (HTTP and FastAGI on port 0, its own
//! database) and a real Asterisk 22 from a Debian sid chroot that
//! `.ci/asterisk-env.sh` prepares once (run by the tests themselves; needs
//! root). Asterisk runs the PBX admin's samples from `docker/asterisk/`,
//! unchanged but for addresses, ports, the key and directories, with a
//! test-only `fairline-targets.conf` that records what Asterisk did with each
//! call. Calls are Local channels placed with `channel originate` and real
//! SIP INVITEs from sipp.

#[path = "asterisk/fairline.rs"]
mod fairline;
#[path = "common/measures.rs"]
mod measures;
#[path = "asterisk/pbx.rs"]
mod pbx;
#[path = "common/server.rs"]
mod server;

#[path = "asterisk/call_info.rs"]
mod call_info;
#[path = "asterisk/fail_open.rs"]
mod fail_open;
#[path = "asterisk/hostile.rs"]
mod hostile;
#[path = "asterisk/outcome.rs"]
mod outcome;
#[path = "asterisk/screening.rs"]
mod screening;
#[path = "asterisk/sip.rs"]
mod sip;
