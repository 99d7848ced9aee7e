//! FastAGI for Asterisk: `AGI(agi://host:4573/screen,ENQUIRY,URGENT)`.
//! Reads the `agi_*` environment, screens through the shared path, and sets
//! `FAIRLINE_ACTION`, `FAIRLINE_TARGET`, `FAIRLINE_PROMPT`, `FAIRLINE_REASON`.
//!
//! AGI has no authentication, so only configured source addresses may
//! connect. Every read is bounded in time and length: a silent, slow or
//! garbled peer costs one task for at most the timeout, never a panic.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::app::AppState;
use crate::decision::Decision;
use crate::screening::{screen, Flag, ScreenRequest};

/// Longest line accepted from Asterisk; real `agi_*` lines are far shorter.
const MAX_LINE: usize = 4096;
/// Most environment lines accepted before the blank line that ends them.
const MAX_ENV_LINES: usize = 128;
/// Connections served at once; more wait in the kernel's backlog.
const MAX_CONNECTIONS: usize = 512;

#[derive(Debug, thiserror::Error)]
pub enum AgiError {
    #[error("the peer sent no complete request in time")]
    Timeout,
    #[error("the peer closed the connection before the environment ended")]
    Truncated,
    #[error("a line was longer than {MAX_LINE} bytes")]
    LineTooLong,
    #[error("the environment had more than {MAX_ENV_LINES} lines")]
    TooManyLines,
    #[error("the channel hung up")]
    Hangup,
    #[error("Asterisk refused a command: {0}")]
    Refused(String),
    #[error("the request is not a screening request: {0}")]
    BadRequest(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Serves FastAGI on `listener` until `shutdown` turns true, then waits for
/// the connections in progress (each bounded by `timeout`).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    allowed: Arc<Vec<IpAddr>>,
    timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "AGI accept failed");
                continue;
            }
        };
        if !allowed.contains(&peer.ip()) {
            tracing::warn!(peer = %peer.ip(), "AGI connection from a source not in agi_allowed_sources; closed");
            crate::ops::metrics::agi_refused();
            continue;
        }
        let Some(slot) = state.limits.connections.admit(peer.ip(), "agi") else {
            continue;
        };
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let state = state.clone();
        let open = crate::ops::metrics::AgiConnection::open();
        connections.spawn(async move {
            let _open = (open, slot);
            if let Err(error) = handle(stream, peer, &state, timeout).await {
                tracing::warn!(%peer, %error, "AGI session ended early");
            }
            drop(permit);
        });
    }
    while connections.join_next().await.is_some() {}
}

async fn handle(
    stream: TcpStream,
    peer: SocketAddr,
    state: &AppState,
    timeout: Duration,
) -> Result<(), AgiError> {
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let env = tokio::time::timeout(timeout, read_environment(&mut read))
        .await
        .map_err(|_| AgiError::Timeout)??;
    let request = screen_request(&env)?;
    let call = request
        .parse(state)
        .map_err(|e| AgiError::BadRequest(e.to_string()))?;
    tracing::debug!(%peer, call_id = %call.call_id, "AGI request");
    // A call id on record for another call (logged by `screen`) gets the
    // fail-open answer, as a storage failure does: the call is routed.
    let decision = screen(state, call, "agi")
        .await
        .unwrap_or_else(|_| Decision::fail_open(&state.policy.default_target));
    answer(&mut read, &mut write, &decision, timeout).await
}

/// Reads `agi_name: value` lines up to the blank line that ends them.
pub async fn read_environment<R: AsyncRead + Unpin>(
    read: &mut BufReader<R>,
) -> Result<HashMap<String, String>, AgiError> {
    let mut env = HashMap::new();
    for _ in 0..=MAX_ENV_LINES {
        let line = read_line(read).await?.ok_or(AgiError::Truncated)?;
        if line.is_empty() {
            return Ok(env);
        }
        if let Some((name, value)) = line.split_once(':') {
            env.insert(name.trim().to_owned(), value.trim().to_owned());
        }
    }
    Err(AgiError::TooManyLines)
}

/// One line without its `\n` (or `\r\n`); `None` at a clean end of stream.
async fn read_line<R: AsyncRead + Unpin>(
    read: &mut BufReader<R>,
) -> Result<Option<String>, AgiError> {
    let mut bytes = Vec::new();
    let mut limited = read.take(MAX_LINE as u64 + 1);
    let n = limited.read_until(b'\n', &mut bytes).await?;
    if n == 0 {
        return Ok(None);
    }
    if bytes.last() != Some(&b'\n') {
        return Err(if bytes.len() > MAX_LINE {
            AgiError::LineTooLong
        } else {
            AgiError::Truncated
        });
    }
    bytes.pop();
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// What the `agi_*` environment says about the call, as a screening request.
pub fn screen_request(env: &HashMap<String, String>) -> Result<ScreenRequest, AgiError> {
    let get = |name: &str| env.get(name).map(String::as_str).unwrap_or("");
    if get("agi_uniqueid").is_empty() {
        return Err(AgiError::BadRequest("agi_uniqueid is missing".into()));
    }
    // Presentation 32-35 is "prohibited" and 64-67 "unavailable": either
    // way the caller's number is not to be used.
    let hidden = get("agi_callingpres")
        .parse::<u16>()
        .is_ok_and(|pres| pres & 0x60 != 0);
    let caller = if hidden { "" } else { get("agi_callerid") };
    let dialed = match get("agi_dnid") {
        "" | "unknown" => get("agi_extension"),
        dnid => dnid,
    };
    let optional = |name: &str| Some(get(name).to_owned()).filter(|v| !v.is_empty());
    Ok(ScreenRequest {
        caller: Some(caller.to_owned()),
        dialed: dialed.to_owned(),
        call_id: Some(get("agi_uniqueid").to_owned()),
        enquiry: optional("agi_arg_1"),
        urgent: optional("agi_arg_2").map(Flag::Text),
    })
}

/// Sets the decision's channel variables, one command at a time, reading
/// each reply.
pub async fn answer<R, W>(
    read: &mut BufReader<R>,
    write: &mut W,
    d: &Decision,
    timeout: Duration,
) -> Result<(), AgiError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    for (name, value) in [
        ("FAIRLINE_ACTION", d.action.as_str()),
        ("FAIRLINE_TARGET", d.target.as_str()),
        ("FAIRLINE_PROMPT", d.prompt.as_str()),
        ("FAIRLINE_REASON", d.reason.as_str()),
    ] {
        let command = format!("SET VARIABLE {name} \"{}\"\n", quote(value));
        write.write_all(command.as_bytes()).await?;
        tokio::time::timeout(timeout, expect_success(read))
            .await
            .map_err(|_| AgiError::Timeout)??;
    }
    write.shutdown().await?;
    Ok(())
}

/// Reads one command's reply: `200 result=…` is success; `HANGUP` means the
/// caller has gone; `510`/`520` (possibly several `520-` lines) are refusals.
async fn expect_success<R: AsyncRead + Unpin>(read: &mut BufReader<R>) -> Result<(), AgiError> {
    loop {
        let line = read_line(read).await?.ok_or(AgiError::Hangup)?;
        if line.starts_with("200") {
            return Ok(());
        }
        if line.trim() == "HANGUP" {
            return Err(AgiError::Hangup);
        }
        if line.starts_with("520-") {
            continue;
        }
        if line.starts_with('5') {
            return Err(AgiError::Refused(line));
        }
    }
}

/// Escapes a value for a double-quoted AGI argument.
fn quote(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::{Action, Rule};
    use tokio::io::{duplex, AsyncReadExt};

    fn env_text() -> String {
        "agi_network: yes\nagi_network_script: screen\nagi_request: agi://127.0.0.1/screen\n\
         agi_channel: PJSIP/trunk-00000001\nagi_uniqueid: 1732890000.7\nagi_callerid: 07700900123\n\
         agi_calleridname: unknown\nagi_callingpres: 0\nagi_dnid: 08001234567\nagi_extension: s\n\
         agi_arg_1: ENQ-1\nagi_arg_2: 1\n\n"
            .into()
    }

    #[tokio::test]
    async fn the_environment_becomes_a_screening_request() {
        let text = env_text();
        let mut read = BufReader::new(text.as_bytes());
        let env = read_environment(&mut read).await.unwrap();
        let request = screen_request(&env).unwrap();
        assert_eq!(request.caller.as_deref(), Some("07700900123"));
        assert_eq!(request.dialed, "08001234567");
        assert_eq!(request.call_id.as_deref(), Some("1732890000.7"));
        assert_eq!(request.enquiry.as_deref(), Some("ENQ-1"));
        assert!(matches!(request.urgent, Some(Flag::Text(ref t)) if t == "1"));
    }

    #[tokio::test]
    async fn a_prohibited_presentation_is_a_withheld_caller() {
        let text = env_text().replace("agi_callingpres: 0", "agi_callingpres: 33");
        let env = read_environment(&mut BufReader::new(text.as_bytes()))
            .await
            .unwrap();
        assert_eq!(screen_request(&env).unwrap().caller.as_deref(), Some(""));
    }

    #[tokio::test]
    async fn a_half_sent_environment_is_reported_not_panicked_on() {
        let text = "agi_network: yes\nagi_uniqueid: 1.2\nagi_caller";
        let err = read_environment(&mut BufReader::new(text.as_bytes()))
            .await
            .unwrap_err();
        assert!(matches!(err, AgiError::Truncated), "{err}");
        let err = read_environment(&mut BufReader::new("agi_network: yes\n".as_bytes()))
            .await
            .unwrap_err();
        assert!(matches!(err, AgiError::Truncated), "{err}");
    }

    #[tokio::test]
    async fn an_oversized_line_is_refused() {
        let text = format!("agi_callerid: {}\n\n", "9".repeat(MAX_LINE * 2));
        let err = read_environment(&mut BufReader::new(text.as_bytes()))
            .await
            .unwrap_err();
        assert!(matches!(err, AgiError::LineTooLong), "{err}");
    }

    #[tokio::test]
    async fn endless_environment_lines_are_refused() {
        let text = "agi_x: y\n".repeat(MAX_ENV_LINES + 5);
        let err = read_environment(&mut BufReader::new(text.as_bytes()))
            .await
            .unwrap_err();
        assert!(matches!(err, AgiError::TooManyLines), "{err}");
    }

    #[tokio::test]
    async fn a_request_without_a_unique_id_is_refused() {
        let env = HashMap::from([("agi_callerid".to_owned(), "07700900123".to_owned())]);
        assert!(matches!(screen_request(&env), Err(AgiError::BadRequest(_))));
    }

    fn decision() -> Decision {
        Decision {
            action: Action::Announce,
            target: "helpline".into(),
            prompt: "say \"hi\"".into(),
            reason: Rule::FrequencyLimit,
            rules: Vec::new(),
        }
    }

    /// Plays Asterisk's side: answers each command with `reply(n)`, and
    /// returns the commands it received.
    async fn asterisk(replies: Vec<&'static str>) -> (Result<(), AgiError>, Vec<String>) {
        let (ours, theirs) = duplex(4096);
        let (our_read, mut our_write) = tokio::io::split(ours);
        let (their_read, mut their_write) = tokio::io::split(theirs);
        let peer = tokio::spawn(async move {
            let mut lines = BufReader::new(their_read).lines();
            let mut seen = Vec::new();
            for reply in replies {
                match lines.next_line().await {
                    Ok(Some(line)) => seen.push(line),
                    _ => break,
                }
                if their_write.write_all(reply.as_bytes()).await.is_err() {
                    break;
                }
            }
            let mut rest = String::new();
            let _ = lines.get_mut().read_to_string(&mut rest).await;
            seen
        });
        let mut read = BufReader::new(our_read);
        let result = answer(
            &mut read,
            &mut our_write,
            &decision(),
            Duration::from_millis(200),
        )
        .await;
        drop(our_write);
        drop(read);
        (result, peer.await.unwrap())
    }

    #[tokio::test]
    async fn each_decision_variable_is_set_and_each_reply_read() {
        let (result, seen) = asterisk(vec!["200 result=1\n"; 4]).await;
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(
            seen,
            [
                "SET VARIABLE FAIRLINE_ACTION \"announce\"",
                "SET VARIABLE FAIRLINE_TARGET \"helpline\"",
                "SET VARIABLE FAIRLINE_PROMPT \"say \\\"hi\\\"\"",
                "SET VARIABLE FAIRLINE_REASON \"frequency_limit\"",
            ]
        );
    }

    #[tokio::test]
    async fn a_hangup_stops_the_session() {
        let (result, seen) = asterisk(vec!["200 result=1\n", "HANGUP\n"]).await;
        assert!(matches!(result, Err(AgiError::Hangup)), "{result:?}");
        assert_eq!(seen.len(), 2);
    }

    #[tokio::test]
    async fn refusals_are_reported_including_multi_line_usage() {
        let (result, _) = asterisk(vec!["510 Invalid or unknown command\n"]).await;
        assert!(
            matches!(result, Err(AgiError::Refused(ref l)) if l.starts_with("510")),
            "{result:?}"
        );
        let usage = "520-Invalid command syntax.  Proper usage follows:\nUsage: SET VARIABLE\n520 End of proper usage.\n";
        let (result, _) = asterisk(vec![usage]).await;
        assert!(
            matches!(result, Err(AgiError::Refused(ref l)) if l.starts_with("520 End")),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn a_silent_peer_times_out() {
        let (ours, _theirs) = duplex(4096);
        let (our_read, mut our_write) = tokio::io::split(ours);
        let mut read = BufReader::new(our_read);
        let result = answer(
            &mut read,
            &mut our_write,
            &decision(),
            Duration::from_millis(50),
        )
        .await;
        assert!(matches!(result, Err(AgiError::Timeout)), "{result:?}");
    }
}
