//! FastAGI for Asterisk: `AGI(agi://host:4573/screen,ENQUIRY,URGENT,DIALED)`.
//! Reads the `agi_*` environment, screens through the shared path, and sets
//! `FAIRLINE_ACTION`, `FAIRLINE_TARGET`, `FAIRLINE_PROMPT`,
//! `FAIRLINE_NEXT_ALLOWED` (seconds since the epoch, or empty),
//! `FAIRLINE_INFO_URL` (the call's page for the advisor's phone, or empty)
//! and `FAIRLINE_REASON`.
//!
//! AGI has no authentication, so only configured source addresses may
//! connect. Every read is bounded in time and length: a silent, slow or
//! garbled peer costs one task for at most the timeout, never a panic. A
//! request that gets no decision (a refused source, an unreadable request,
//! another script) is still answered: an empty `FAIRLINE_ACTION` and
//! `FAIRLINE_REASON` saying why, since Asterisk would otherwise report
//! `AGISTATUS=SUCCESS` with nothing set.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::config::IpRange;
use crate::decision::Decision;
use crate::pbx::request::{ScreenRequest, YesNo};
use crate::screening::{screen, ParsedCall};
use crate::state::AppState;

/// Longest line accepted from Asterisk; real `agi_*` lines are far shorter.
const MAX_LINE: usize = 4096;
/// Most environment lines accepted before the blank line that ends them.
const MAX_ENV_LINES: usize = 128;
/// Connections served at once; more wait in the kernel's backlog.
const MAX_CONNECTIONS: usize = 512;
/// Refused connections answered at once; past that they are closed without
/// a word, so connections from outside cannot crowd out the PBX.
const MAX_REFUSALS: usize = 16;
/// The one script fairline serves: `agi://host:port/screen`.
const SCRIPT: &str = "screen";

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
    #[error("the request names the script {0:?}; fairline serves only \"screen\"")]
    UnknownScript(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Why a request got no decision, as `FAIRLINE_REASON` tells the dialplan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unanswered {
    /// The source is not in `agi_allowed_sources`.
    Refused,
    /// The environment was unreadable or not a screening request.
    BadRequest,
    /// The URL named another script than `screen`.
    UnknownScript,
}

impl Unanswered {
    fn as_str(self) -> &'static str {
        match self {
            Unanswered::Refused => "refused",
            Unanswered::BadRequest => "bad_request",
            Unanswered::UnknownScript => "unknown_script",
        }
    }
}

/// Serves FastAGI on `listener` until `shutdown` turns true, then waits for
/// the connections in progress (each bounded by `timeout`).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    allowed: Arc<[IpRange]>,
    timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
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
        // An IPv4 PBX reaching a dual-stack listener arrives as
        // ::ffff:a.b.c.d; `contains` compares the canonical (IPv4) form.
        if !allowed.iter().any(|range| range.contains(peer.ip())) {
            tracing::warn!(peer = %peer.ip().to_canonical(), "AGI connection from a source not in agi_allowed_sources; refused");
            crate::metrics::agi_refused();
            if let Ok(permit) = refusals.clone().try_acquire_owned() {
                connections.spawn(async move {
                    refuse(stream, timeout).await;
                    drop(permit);
                });
            }
            continue;
        }
        let Some(slot) = state.limits.connections.admit(peer.ip(), "agi") else {
            continue;
        };
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let state = state.clone();
        let open = crate::metrics::AgiConnection::open();
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

/// Tells a refused peer so, once it has sent its environment (Asterisk
/// reads commands only after that); nothing in it is used. A peer that
/// sends no environment is not Asterisk waiting for an answer.
async fn refuse(stream: TcpStream, timeout: Duration) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    if let Ok(Ok(_)) = tokio::time::timeout(timeout, read_environment(&mut read)).await {
        let _ = tell(&mut read, &mut write, Unanswered::Refused, timeout).await;
    }
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
    let call = match request(&mut read, state, timeout).await {
        Ok(call) => call,
        Err((why, error)) => {
            // A peer that went silent or away is not Asterisk waiting for
            // an answer; anything else is told why it gets no decision.
            if !matches!(error, AgiError::Timeout | AgiError::Truncated) {
                let _ = tell(&mut read, &mut write, why, timeout).await;
            }
            return Err(error);
        }
    };
    tracing::debug!(%peer, call_id = %call.call_id, "AGI request");
    // A call id on record for another call (logged by `screen`) gets the
    // fail-open answer, as a storage failure does: the call is routed.
    let call_id = call.call_id.clone();
    let decision = screen(state, call, "agi")
        .await
        .unwrap_or_else(|_| Decision::fail_open(&state.policy.default_target));
    let info_url = super::info_url(state.settings.public_url.as_ref(), &call_id, &decision);
    answer(
        &mut read,
        &mut write,
        &decision,
        info_url.as_deref(),
        timeout,
    )
    .await
}

/// Reads and parses the request; on failure, why (for the dialplan) and
/// the error (for the log).
async fn request<R: AsyncRead + Unpin>(
    read: &mut BufReader<R>,
    state: &AppState,
    timeout: Duration,
) -> Result<ParsedCall, (Unanswered, AgiError)> {
    let bad = |error| (Unanswered::BadRequest, error);
    let env = tokio::time::timeout(timeout, read_environment(read))
        .await
        .map_err(|_| bad(AgiError::Timeout))?
        .map_err(bad)?;
    let script = script_name(&env);
    if script != SCRIPT {
        return Err((
            Unanswered::UnknownScript,
            AgiError::UnknownScript(script.chars().take(64).collect()),
        ));
    }
    screen_request(&env)
        .map_err(bad)?
        .parse(state)
        .map_err(|e| bad(AgiError::BadRequest(e.to_string())))
}

/// Sets the variables for "no decision": an empty action, which the samples
/// route (fail open), and the reason. Bounded by one `timeout` altogether;
/// a peer that has gone gets nothing.
async fn tell<R, W>(
    read: &mut BufReader<R>,
    write: &mut W,
    why: Unanswered,
    timeout: Duration,
) -> Result<(), AgiError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let values = ["", "", "", "", "", why.as_str()];
    tokio::time::timeout(timeout, set_variables(read, write, values, timeout))
        .await
        .map_err(|_| AgiError::Timeout)?
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

/// The script the dialplan asked for: `screen` in `agi://host:4573/screen`.
/// Asterisk sends it as `agi_network_script`; the path of `agi_request`
/// (the whole URL) is the fallback.
fn script_name(env: &HashMap<String, String>) -> &str {
    if let Some(script) = env.get("agi_network_script") {
        return script.trim_start_matches('/');
    }
    env.get("agi_request")
        .and_then(|url| url.split_once("://"))
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(_, path)| path.split('?').next().unwrap_or(""))
        .unwrap_or("")
}

/// What the `agi_*` environment says about the call, as a screening request.
///
/// The arguments (`agi_arg_1` enquiry, `agi_arg_2` urgent, `agi_arg_3`
/// dialed) are percent-decoded: the samples encode them with `URIENCODE`
/// so that a comma typed into an IVR cannot shift them. The dialed number
/// is the third argument, else `agi_dnid`; never `agi_extension`, which
/// inside a subroutine is `s` or a label rather than the number dialled.
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
    let arg = |n: u8| {
        let raw = get(&format!("agi_arg_{n}"));
        Some(
            percent_decode_str(raw)
                .decode_utf8_lossy()
                .trim()
                .to_owned(),
        )
        .filter(|v| !v.is_empty())
    };
    let dialed = match arg(3) {
        Some(dialed) => dialed,
        None => match get("agi_dnid") {
            "unknown" => String::new(),
            dnid => dnid.to_owned(),
        },
    };
    Ok(ScreenRequest {
        caller: Some(caller.to_owned()),
        dialed,
        call_id: Some(get("agi_uniqueid").to_owned()),
        enquiry: arg(1),
        urgent: arg(2).map(YesNo::Text),
    })
}

/// Sets the decision's channel variables, one command at a time, reading
/// each reply.
pub async fn answer<R, W>(
    read: &mut BufReader<R>,
    write: &mut W,
    d: &Decision,
    info_url: Option<&str>,
    timeout: Duration,
) -> Result<(), AgiError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    // Set even when empty, so the variable always says what this answer
    // said: one more reply to read, after the call is decided and recorded.
    let next_allowed = d
        .next_allowed()
        .map(|at| at.timestamp().to_string())
        .unwrap_or_default();
    let values = [
        d.action.as_str(),
        d.target.as_str(),
        d.prompt.as_str(),
        next_allowed.as_str(),
        info_url.unwrap_or_default(),
        d.reason.as_str(),
    ];
    set_variables(read, write, values, timeout).await
}

/// Sets `FAIRLINE_ACTION`, `_TARGET`, `_PROMPT`, `_NEXT_ALLOWED`,
/// `_INFO_URL` and `_REASON` to `values`, then closes our side. The reason
/// comes last, as it did before `_NEXT_ALLOWED` was added.
async fn set_variables<R, W>(
    read: &mut BufReader<R>,
    write: &mut W,
    values: [&str; 6],
    timeout: Duration,
) -> Result<(), AgiError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let names = [
        "FAIRLINE_ACTION",
        "FAIRLINE_TARGET",
        "FAIRLINE_PROMPT",
        "FAIRLINE_NEXT_ALLOWED",
        "FAIRLINE_INFO_URL",
        "FAIRLINE_REASON",
    ];
    for (name, value) in names.into_iter().zip(values) {
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
    use crate::decision::{Action, Rule, RuleHit};
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
        assert!(matches!(request.urgent, Some(YesNo::Text(ref t)) if t == "1"));
    }

    async fn request_from(text: &str) -> ScreenRequest {
        let env = read_environment(&mut BufReader::new(text.as_bytes()))
            .await
            .unwrap();
        screen_request(&env).unwrap()
    }

    #[tokio::test]
    async fn the_dialed_number_is_the_third_argument_else_the_dnid_never_the_extension() {
        let with_arg = env_text().replace(
            "agi_arg_2: 1\n",
            "agi_arg_2: 1\nagi_arg_3: %2B448001234567\n",
        );
        assert_eq!(request_from(&with_arg).await.dialed, "+448001234567");
        // Inside a Gosub agi_extension is `s` (or a label); with no dnid
        // and no argument the dialed number is unknown, not `s`.
        let no_dnid = env_text().replace("agi_dnid: 08001234567", "agi_dnid: unknown");
        assert_eq!(request_from(&no_dnid).await.dialed, "");
        let in_main = no_dnid.replace("agi_extension: s", "agi_extension: 08001234567");
        assert_eq!(request_from(&in_main).await.dialed, "");
    }

    #[tokio::test]
    async fn ivr_values_are_percent_decoded_so_a_comma_cannot_shift_them() {
        let text = env_text().replace("agi_arg_1: ENQ-1", "agi_arg_1: ENQ%2C7%20b");
        let request = request_from(&text).await;
        assert_eq!(request.enquiry.as_deref(), Some("ENQ,7 b"));
        assert!(matches!(request.urgent, Some(YesNo::Text(ref t)) if t == "1"));
    }

    #[test]
    fn the_script_is_read_from_the_network_script_or_the_request_url() {
        let env = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            script_name(&env(&[("agi_network_script", "screen")])),
            "screen"
        );
        assert_eq!(
            script_name(&env(&[("agi_network_script", "/screen")])),
            "screen"
        );
        assert_eq!(
            script_name(&env(&[("agi_request", "agi://10.0.0.5:4573/screen?x=1")])),
            "screen"
        );
        assert_eq!(
            script_name(&env(&[("agi_request", "agi://10.0.0.5:4573/other")])),
            "other"
        );
        assert_eq!(script_name(&env(&[("agi_request", "agi://10.0.0.5")])), "");
        assert_eq!(script_name(&env(&[])), "");
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
        let mut limit = RuleHit::new(Rule::FrequencyLimit, "2 contacts this day");
        limit.next_allowed_at = Some("2026-05-12T23:00:00Z".parse().unwrap());
        Decision {
            action: Action::Divert,
            target: "voicemail".into(),
            prompt: "say \"hi\"".into(),
            reason: Rule::FrequencyLimit,
            rules: vec![limit],
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
            Some("https://fairline.example.org/ui/calls/1715.42"),
            Duration::from_millis(200),
        )
        .await;
        drop(our_write);
        drop(read);
        (result, peer.await.unwrap())
    }

    #[tokio::test]
    async fn each_decision_variable_is_set_and_each_reply_read() {
        let (result, seen) = asterisk(vec!["200 result=1\n"; 6]).await;
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(
            seen,
            [
                "SET VARIABLE FAIRLINE_ACTION \"divert\"",
                "SET VARIABLE FAIRLINE_TARGET \"voicemail\"",
                "SET VARIABLE FAIRLINE_PROMPT \"say \\\"hi\\\"\"",
                "SET VARIABLE FAIRLINE_NEXT_ALLOWED \"1778626800\"",
                "SET VARIABLE FAIRLINE_INFO_URL \"https://fairline.example.org/ui/calls/1715.42\"",
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
            None,
            Duration::from_millis(50),
        )
        .await;
        assert!(matches!(result, Err(AgiError::Timeout)), "{result:?}");
    }
}
