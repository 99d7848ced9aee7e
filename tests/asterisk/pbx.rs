//! A real Asterisk 22 (Debian sid, in a chroot made by .ci/asterisk-env.sh)
//! running the docker/asterisk/ samples, and real calls through it: Local
//! channels placed with `channel originate`, and SIP INVITEs from sipp.
//!
//! Each `Asterisk` has its own directory inside the chroot's /tmp (config,
//! run, log, spool, database), its own SIP port on 127.0.0.1, and is killed
//! when dropped, whatever happened.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::fairline::Fairline;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
/// The helpline number every test call dials.
pub const DIALED: &str = "08001234567";
/// Prompts the tests' measures name; each gets a short silent WAV so that
/// Playback really plays something (PLAYBACKSTATUS=SUCCESS).
pub const PROMPTS: [&str; 3] = [
    "fairline-reminder",
    "fairline-limit-reached",
    "fairline-blocked",
];

/// The chroot with Asterisk: `.ci/asterisk-env.sh` makes it once (cached
/// outside the repository) and prints its path.
pub fn chroot() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let script = Path::new(MANIFEST_DIR).join(".ci/asterisk-env.sh");
        let out = Command::new("bash")
            .arg(&script)
            .stdin(Stdio::null())
            .output()
            .expect("running .ci/asterisk-env.sh");
        assert!(
            out.status.success(),
            ".ci/asterisk-env.sh failed (it needs root and Debian's mirrors):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let root = PathBuf::from(stdout.lines().last().expect("no path printed").trim());
        assert!(root.join("usr/sbin/asterisk").exists(), "{root:?}");
        root
    })
}

/// Which sample dialplan asks fairline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialplan {
    /// extensions.conf: CURL(), the form answer, HASH().
    Form,
    /// extensions-json.conf: CURL(), the JSON answer, JSON_DECODE().
    Json,
    /// extensions-agi.conf: FastAGI.
    Agi,
}

impl Dialplan {
    fn sample(self) -> &'static str {
        match self {
            Dialplan::Form => "extensions.conf",
            Dialplan::Json => "extensions-json.conf",
            Dialplan::Agi => "extensions-agi.conf",
        }
    }
}

fn sample(name: &str) -> String {
    let path = Path::new(MANIFEST_DIR).join("docker/asterisk").join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// Replaces each placeholder, insisting it is there: a sample that changes
/// its placeholders must fail here, not run against the wrong address.
fn substitute(name: &str, mut text: String, pairs: &[(&str, String)]) -> String {
    for (from, to) in pairs {
        assert!(
            text.contains(from),
            "{name} no longer contains {from:?}; update tests/asterisk/pbx.rs"
        );
        text = text.replace(from, to);
    }
    text
}

/// The `i` extension of the sample's fairline-targets.conf with its `same`
/// lines: what a PBX does with a target its dialplan lacks.
fn sample_invalid_extension() -> String {
    let text = sample("fairline-targets.conf");
    let mut lines = text.lines().skip_while(|l| !l.starts_with("exten => i,"));
    let first = lines
        .next()
        .expect("docker/asterisk/fairline-targets.conf has no `i` extension");
    let rest = lines.take_while(|l| l.trim_start().starts_with("same =>"));
    std::iter::once(first)
        .chain(rest)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The sample's `[name]` context, up to the next context: copied into the
/// test's targets unchanged.
fn sample_context(file: &str, name: &str) -> String {
    let text = sample(file);
    let header = format!("[{name}]");
    let mut lines = text.lines().skip_while(|l| l.trim() != header);
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("docker/asterisk/{file} has no {header}"));
    let rest = lines.take_while(|l| !l.starts_with('['));
    std::iter::once(first)
        .chain(rest)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The timeout and options (`60,b(...)`) the sample's helpline extension
/// dials its advisors' phones with.
fn sample_dial_options() -> String {
    let text = sample("fairline-targets.conf");
    let line = text
        .lines()
        .find(|l| l.starts_with("exten => helpline,1,Dial("))
        .expect("docker/asterisk/fairline-targets.conf has no helpline Dial()");
    let args = line["exten => helpline,1,Dial(".len()..]
        .strip_suffix(')')
        .expect("the helpline Dial() ends its line");
    let (_phones, options) = args.split_once(',').expect("Dial() has options");
    options.to_owned()
}

/// The test's advisor desk phone as a PJSIP endpoint, appended to the
/// sample's pjsip.conf: a sipp UAS on loopback (`Asterisk::desk_phone`).
fn desk_endpoint(port: u16) -> String {
    format!(
        "
; TEST ONLY: the advisor's desk phone (tests/asterisk/sipp/desk-phone.xml).
[fairline-test-desk]
type = endpoint
transport = transport-udp
context = fairline-test-advisor
disallow = all
allow = ulaw
aors = fairline-test-desk
direct_media = no
media_address = 127.0.0.1
bind_rtp_to_media_address = yes

[fairline-test-desk]
type = aor
contact = sip:desk@127.0.0.1:{port}
"
    )
}

/// One line of the results file: `event=reached caller=... target=...`.
#[derive(Debug, Clone)]
pub struct Record(HashMap<String, String>);

impl Record {
    fn parse(line: &str) -> Record {
        Record(
            line.split(' ')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map(String::as_str).unwrap_or("")
    }
}

/// How a sipp call is expected to go.
#[derive(Debug, Clone, Copy)]
pub enum Sip {
    /// 200 OK after any early media, then Asterisk's BYE.
    Answered,
    /// 183 Session Progress (the prompt), then 403, never answered.
    Rejected,
}

pub struct Asterisk {
    child: Child,
    /// The test's directory as the host sees it (inside the chroot's /tmp).
    dir: tempfile::TempDir,
    /// The same directory as Asterisk sees it.
    inside: String,
    pub sip_port: u16,
    /// Where the desk phone (`desk_phone`) listens.
    desk_port: u16,
}

/// One sipp at a time in this process: its control and media ports.
static SIPP: Mutex<()> = Mutex::new(());

impl Asterisk {
    /// Renders the samples for this fairline (only addresses, ports, the key
    /// and directories substituted; the targets are the test's) and starts
    /// Asterisk in the chroot, returning once it is fully booted.
    pub fn start(dialplan: Dialplan, fairline: &Fairline) -> Asterisk {
        Self::start_with_key(dialplan, fairline, &fairline.pbx_key)
    }

    pub fn start_with_key(dialplan: Dialplan, fairline: &Fairline, key: &str) -> Asterisk {
        Self::launch(dialplan, fairline, key, true)
    }

    /// `start`, on a PBX without Asterisk's digits/ sounds (which
    /// SayUnixTime needs), as one whose core sounds are not installed.
    pub fn start_without_digit_sounds(dialplan: Dialplan, fairline: &Fairline) -> Asterisk {
        Self::launch(dialplan, fairline, &fairline.pbx_key, false)
    }

    fn launch(dialplan: Dialplan, fairline: &Fairline, key: &str, digits: bool) -> Asterisk {
        let root = chroot();
        let dir = tempfile::Builder::new()
            .prefix("fairline-asterisk-")
            .tempdir_in(root.join("tmp"))
            .expect("a directory inside the chroot");
        let inside = format!("/tmp/{}", dir.path().file_name().unwrap().to_str().unwrap());
        let host = dir.path();
        for sub in [
            "etc",
            "run",
            "log",
            "lib",
            "spool",
            "cache",
            "data/sounds/en",
        ] {
            fs::create_dir_all(host.join(sub)).unwrap();
        }
        // Asterisk reads its XML documentation from astdatadir and refuses
        // to start without it; the prompts are the test's own.
        std::os::unix::fs::symlink(
            "/usr/share/asterisk/documentation",
            host.join("data/documentation"),
        )
        .unwrap();
        // Debian's English core sounds (asterisk-core-sounds-en), which
        // SayUnixTime plays the date and time with.
        if digits {
            std::os::unix::fs::symlink(
                "/usr/share/asterisk/sounds/en/digits",
                host.join("data/sounds/en/digits"),
            )
            .unwrap();
        }
        for prompt in PROMPTS {
            fs::write(
                host.join(format!("data/sounds/en/{prompt}.wav")),
                silent_wav(),
            )
            .unwrap();
        }
        let results = format!("{inside}/results.log");
        fs::write(host.join("results.log"), "").unwrap();
        let sip_port = free_udp_port();
        let desk_port = free_udp_port();

        let etc = host.join("etc");
        fs::write(etc.join("asterisk.conf"), asterisk_conf(&inside)).unwrap();
        fs::write(etc.join("modules.conf"), sample("modules.conf")).unwrap();
        fs::write(etc.join("logger.conf"), sample("logger.conf")).unwrap();
        fs::write(
            etc.join("pjsip.conf"),
            substitute(
                "pjsip.conf",
                sample("pjsip.conf"),
                &[(
                    "bind = 127.0.0.1:5060",
                    format!("bind = 127.0.0.1:{sip_port}"),
                )],
            ) + &desk_endpoint(desk_port),
        )
        .unwrap();
        let mut pairs = vec![
            (
                "FAIRLINE_URL = http://127.0.0.1:8080",
                format!("FAIRLINE_URL = {}", fairline.base),
            ),
            (
                "FAIRLINE_PBX_KEY = REPLACE-WITH-THE-PBX-KEY",
                format!("FAIRLINE_PBX_KEY = {key}"),
            ),
        ];
        if dialplan == Dialplan::Agi {
            pairs.push((
                "FAIRLINE_AGI = 127.0.0.1:4573",
                format!("FAIRLINE_AGI = {}", fairline.agi),
            ));
        }
        fs::write(
            etc.join("extensions.conf"),
            substitute(dialplan.sample(), sample(dialplan.sample()), &pairs),
        )
        .unwrap();
        let targets = Path::new(MANIFEST_DIR).join("tests/asterisk/fairline-targets.conf");
        fs::write(
            etc.join("fairline-targets.conf"),
            substitute(
                "tests/asterisk/fairline-targets.conf",
                fs::read_to_string(targets).unwrap(),
                &[
                    ("@RESULTS@", results.clone()),
                    ("@DIALED@", DIALED.to_owned()),
                    ("@SAMPLE_INVALID@", sample_invalid_extension()),
                    ("@SAMPLE_DIAL_OPTIONS@", sample_dial_options()),
                    (
                        "@SAMPLE_CALL_INFO@",
                        sample_context("fairline-targets.conf", "fairline-call-info"),
                    ),
                ],
            ),
        )
        .unwrap();

        let console = fs::File::create(host.join("console.log")).unwrap();
        let child = Command::new("chroot")
            .arg(root)
            .args(["/usr/sbin/asterisk", "-f", "-C"])
            .arg(format!("{inside}/etc/asterisk.conf"))
            .stdin(Stdio::null())
            .stdout(console.try_clone().unwrap())
            .stderr(console)
            .spawn()
            .expect("starting asterisk in the chroot");
        let mut asterisk = Asterisk {
            child,
            dir,
            inside,
            sip_port,
            desk_port,
        };
        asterisk.wait_fully_booted();
        asterisk.assert_samples_loaded_cleanly();
        asterisk
    }

    /// Every warning or error Asterisk logged while loading, except for the
    /// configuration files the samples deliberately leave out: a typo in a
    /// sample (an unknown module, a bad dialplan line) fails here.
    fn assert_samples_loaded_cleanly(&self) {
        const EXPECTED: [&str; 4] = [
            "Unable to load config file",
            "Could not find valid ccss.conf",
            "Can't find indications config file",
            "app_voicemail.c: Failed to load configuration file",
        ];
        let log = fs::read_to_string(self.dir.path().join("log/messages.log")).unwrap();
        let unexpected: Vec<&str> = log
            .lines()
            .filter(|l| l.contains(" ERROR[") || l.contains(" WARNING["))
            .filter(|l| !EXPECTED.iter().any(|e| l.contains(e)))
            .collect();
        assert!(
            unexpected.is_empty(),
            "Asterisk complained while loading the samples:\n{}",
            unexpected.join("\n")
        );
    }

    fn wait_fully_booted(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "asterisk exited ({status}) while starting:\n{}",
                    self.diagnostics()
                );
            }
            let out = self.rx_output("core waitfullybooted");
            if out.status.success() && String::from_utf8_lossy(&out.stdout).contains("fully booted")
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "asterisk did not boot in 30 s:\n{}",
                self.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn rx_output(&self, command: &str) -> Output {
        Command::new("chroot")
            .arg(chroot())
            .args(["/usr/sbin/asterisk", "-C"])
            .arg(format!("{}/etc/asterisk.conf", self.inside))
            .args(["-rx", command])
            .stdin(Stdio::null())
            .output()
            .expect("running asterisk -rx")
    }

    /// Runs a CLI command through the control socket; returns its output.
    pub fn cli(&self, command: &str) -> String {
        let out = self.rx_output(command);
        assert!(
            out.status.success(),
            "asterisk -rx {command:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Places a call from `caller` to the helpline as a Local channel that
    /// enters the sample's inbound context (see fairline-targets.conf).
    pub fn originate(&self, caller: &str) {
        self.cli(&format!(
            "channel originate Local/{caller}@fairline-test-caller/n extension listen@fairline-test-caller"
        ));
    }

    /// Places a call as `originate` does, after the test IVR took the
    /// enquiry reference "ENQ,7" (see fairline-targets.conf); waits for it
    /// to end and returns its hangup record.
    pub async fn call_after_ivr(&self, caller: &str) -> Record {
        let before = self.hangups(caller).len();
        self.cli(&format!(
            "channel originate Local/ivr{caller}@fairline-test-caller/n extension listen@fairline-test-caller"
        ));
        self.wait_for_hangup(caller, before + 1).await
    }

    /// Asterisk's log (messages.log) so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("log/messages.log")).unwrap_or_default()
    }

    /// Places a call and waits for it to end; returns its hangup record.
    pub async fn call(&self, caller: &str) -> Record {
        let before = self.hangups(caller).len();
        self.originate(caller);
        self.wait_for_hangup(caller, before + 1).await
    }

    pub fn records(&self) -> Vec<Record> {
        fs::read_to_string(self.dir.path().join("results.log"))
            .unwrap()
            .lines()
            .map(Record::parse)
            .collect()
    }

    fn events(&self, event: &str, caller: &str) -> Vec<Record> {
        self.records()
            .into_iter()
            .filter(|r| r.get("event") == event && r.get("caller") == caller)
            .collect()
    }

    pub fn hangups(&self, caller: &str) -> Vec<Record> {
        self.events("hangup", caller)
    }

    pub fn reached(&self, caller: &str) -> Vec<Record> {
        self.events("reached", caller)
    }

    /// Waits (bounded) until `caller` has `n` hangup records; returns the nth.
    pub async fn wait_for_hangup(&self, caller: &str, n: usize) -> Record {
        self.wait_for(&format!("hangup #{n} of {caller}"), || {
            self.hangups(caller).get(n - 1).cloned()
        })
        .await
    }

    /// Waits (bounded) until `caller` has `n` reached records; returns the nth.
    pub async fn wait_for_reached(&self, caller: &str, n: usize) -> Record {
        self.wait_for(&format!("reached #{n} of {caller}"), || {
            self.reached(caller).get(n - 1).cloned()
        })
        .await
    }

    async fn wait_for<T>(&self, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(found) = probe() {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} within 20 s:\n{}",
                self.diagnostics()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends a real SIP INVITE from `caller` to the helpline number with
    /// sipp and checks the call went as `expect` says (sipp's exit status).
    pub fn sip_call(&self, caller: &str, expect: Sip) -> Result<(), String> {
        let _one = SIPP.lock().unwrap_or_else(|e| e.into_inner());
        let scenario = match expect {
            Sip::Answered => "answered.xml",
            Sip::Rejected => "rejected.xml",
        };
        let out = self
            .sipp(scenario, free_udp_port())
            .args(["-s", DIALED, "-key", "caller", caller])
            .arg(format!("127.0.0.1:{}", self.sip_port))
            .output()
            .expect("running sipp (installed by .ci/asterisk-env.sh)");
        if out.status.success() {
            return Ok(());
        }
        Err(format!(
            "sipp {scenario} from {caller} exited {}:\n{}",
            out.status,
            self.sipp_errors()
        ))
    }

    /// The advisor's desk phone, ready to ring: the PJSIP endpoint
    /// `fairline-test-desk` that the test target `desk` dials. Place the
    /// call, then `DeskPhone::invite` says what the phone was sent.
    pub fn desk_phone(&self) -> DeskPhone<'_> {
        let one = SIPP.lock().unwrap_or_else(|e| e.into_inner());
        let messages = self.dir.path().join("desk-phone-messages.log");
        let child = self
            .sipp("desk-phone.xml", self.desk_port)
            .arg("-trace_msg")
            .arg("-message_file")
            .arg(&messages)
            .stdout(Stdio::null())
            .spawn()
            .expect("running sipp (installed by .ci/asterisk-env.sh)");
        DeskPhone {
            asterisk: self,
            child,
            messages,
            _one: one,
        }
    }

    /// sipp for one call of `scenario` (tests/asterisk/sipp/), signalling
    /// on `port`, run in the test's directory (its logs land there).
    /// Everything is on loopback: signalling, media and sipp's control
    /// socket (each defaults to all interfaces).
    fn sipp(&self, scenario: &str, port: u16) -> Command {
        let mut sipp = Command::new("sipp");
        sipp.arg("-sf")
            .arg(
                Path::new(MANIFEST_DIR)
                    .join("tests/asterisk/sipp")
                    .join(scenario),
            )
            .args(["-m", "1"])
            .args(["-i", "127.0.0.1", "-bind_local"])
            .args(["-mi", "127.0.0.1", "-ci", "127.0.0.1"])
            .args(["-p", &port.to_string()])
            .args(["-mp", &free_udp_port().to_string()])
            .args(["-nostdin", "-timeout", "30", "-timeout_error", "-trace_err"])
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        sipp
    }

    /// What sipp's error logs (-trace_err) hold, with the PBX's side.
    fn sipp_errors(&self) -> String {
        let errors: String = fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with("_errors.log"))
            .map(|e| fs::read_to_string(e.path()).unwrap_or_default())
            .collect();
        format!("{errors}\n{}", self.diagnostics())
    }

    /// The results so far and the end of Asterisk's log, for failure messages.
    pub fn diagnostics(&self) -> String {
        let read = |name: &str| fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!(
            "--- results\n{}--- console (last 20 lines)\n{}\n--- messages.log (last 60 lines)\n{}",
            read("results.log"),
            last_lines(&read("console.log"), 20),
            last_lines(&read("log/messages.log"), 60),
        )
    }
}

/// A ringing desk phone (`Asterisk::desk_phone`): sipp as a UAS that
/// answers one call and is hung up on.
pub struct DeskPhone<'a> {
    asterisk: &'a Asterisk,
    child: Child,
    messages: PathBuf,
    _one: std::sync::MutexGuard<'static, ()>,
}

impl DeskPhone<'_> {
    /// Waits for the phone's call to end (sipp's own 30 s timeout bounds
    /// it) and returns the INVITE it was sent, start line and headers.
    pub fn invite(mut self) -> Result<String, String> {
        let status = self.child.wait().expect("waiting for sipp");
        if !status.success() {
            return Err(format!(
                "the desk phone (sipp desk-phone.xml) exited {status}:\n{}",
                self.asterisk.sipp_errors()
            ));
        }
        let log = fs::read_to_string(&self.messages).unwrap_or_default();
        let invite = log
            .lines()
            .skip_while(|l| !l.starts_with("INVITE "))
            .take_while(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if invite.is_empty() {
            return Err(format!("no INVITE in the desk phone's log:\n{log}"));
        }
        Ok(invite)
    }
}

impl Drop for DeskPhone<'_> {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of `message`'s header `name` (case-insensitive), if any.
pub fn sip_header<'m>(message: &'m str, name: &str) -> Option<&'m str> {
    message.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

impl Drop for Asterisk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sample asterisk.conf with every directory but the modules' and the
/// binaries' moved into the test's own directory.
fn asterisk_conf(inside: &str) -> String {
    let text = sample("asterisk.conf");
    let mut moved = 0;
    let out: Vec<String> = text
        .lines()
        .map(|line| {
            let Some((key, _)) = line.split_once("=>") else {
                return line.to_owned();
            };
            let key = key.trim();
            let sub = match key {
                "astmoddir" | "astsbindir" => return line.to_owned(),
                "astetcdir" => "etc",
                "astvarlibdir" | "astdbdir" | "astkeydir" => "lib",
                "astdatadir" => "data",
                "astagidir" => "data/agi-bin",
                "astspooldir" => "spool",
                "astrundir" => "run",
                "astlogdir" => "log",
                "astcachedir" => "cache",
                _ => return line.to_owned(),
            };
            moved += 1;
            format!("{key} => {inside}/{sub}")
        })
        .collect();
    assert_eq!(moved, 10, "asterisk.conf's [directories] changed");
    assert!(
        text.contains("\n[directories]\n"),
        "must be a plain section"
    );
    out.join("\n") + "\n"
}

/// A free UDP port on loopback (bound, then released for the user).
fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// 0.2 s of silence: 8 kHz, 16-bit mono PCM.
fn silent_wav() -> Vec<u8> {
    let data = 1600 * 2;
    let mut wav = Vec::with_capacity(44 + data);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&16000u32.to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data as u32).to_le_bytes());
    wav.resize(44 + data, 0);
    wav
}
