//! Property tests of the FastAGI reader: whatever bytes a peer sends as its
//! environment or as a reply, reading ends in a request or an error, never
//! a panic or a hang.

use proptest::prelude::*;
use tokio::io::BufReader;

use super::*;

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

/// Lines shaped like `agi_name: value`, with the names fairline reads,
/// and any bytes at all.
fn environments() -> impl Strategy<Value = Vec<u8>> {
    let name = prop_oneof![
        Just("agi_uniqueid".to_owned()),
        Just("agi_callerid".to_owned()),
        Just("agi_callingpres".to_owned()),
        Just("agi_dnid".to_owned()),
        Just("agi_extension".to_owned()),
        Just("agi_arg_1".to_owned()),
        Just("agi_arg_2".to_owned()),
        "[a-z_]{0,12}",
    ];
    let value = prop_oneof![any::<String>(), "[0-9+ .]{0,20}", "[\\x00-\\x7f]{0,30}"];
    let line = (name, value).prop_map(|(n, v)| format!("{n}: {v}\n").into_bytes());
    prop_oneof![
        proptest::collection::vec(line, 0..20).prop_map(|lines| {
            let mut bytes = lines.concat();
            bytes.push(b'\n');
            bytes
        }),
        proptest::collection::vec(any::<u8>(), 0..512),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_environment_is_read_or_refused(bytes in environments()) {
        let env = block_on(read_environment(&mut BufReader::new(bytes.as_slice())));
        if let Ok(env) = env {
            if let Ok(request) = screen_request(&env) {
                prop_assert!(request.call_id.is_some_and(|id| !id.is_empty()));
            }
        }
    }

    #[test]
    fn any_reply_is_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = block_on(expect_success(&mut BufReader::new(bytes.as_slice())));
    }
}
