//! Robustness: thousands of malformed or mutated frames (truncated JSON, random text, deep
//! nesting, huge numbers, wrong types, odd ids, unicode escapes, duplicate keys) on one
//! connection, in both modes. Each gets an error frame or a reply (PROTOCOL.md sections 4-5: an
//! error never closes the connection), and normal calls still work afterwards.
//!
//! The frames come from a deterministic pseudo-random generator (splitmix64), so a failure
//! names a case that reproduces.

use std::collections::BTreeMap;
use std::sync::Once;
use std::time::Duration;

use crate::support::*;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use wirechan::testing::{Event, TestClient};

const CASES_PER_MODE: usize = 2000;

/// splitmix64: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Actions whose handlers end at once with exactly one reply, whatever their input.
const SAFE_ACTIONS: [&str; 21] = [
    "echo", "add", "greet", "list", "noop", "empty", "maybe", "whoami", "count", "logout", "login", "secret", "me",
    "admin", "fail", "buy", "boom", "join", "leave", "say", "nope",
];

/// Actions that close, block, stream or broadcast to the sender: never generated.
const UNSAFE_ACTIONS: [&str; 5] = ["bye", "wait", "slow", "progress", "shout"];

/// A valid input (members of the input object) for each safe action.
fn valid_input(action: &str) -> Vec<(String, String)> {
    let m = |k: &str, v: &str| (format!("\"{k}\""), v.to_owned());
    match action {
        "echo" => vec![m("text", "\"hi\""), m("n", "1")],
        "add" => vec![m("a", "1"), m("b", "2")],
        "greet" => vec![m("name", "\"x\"")],
        "list" => vec![m("up_to", "3")],
        "login" => vec![m("user", "\"fuzz\"")],
        "buy" => vec![m("item", "\"tea\"")],
        "join" | "leave" => vec![m("topic", "\"t\"")],
        "say" => vec![m("text", "\"hello\"")],
        _ => vec![],
    }
}

fn weird_values(rng: &mut Rng) -> String {
    const FIXED: [&str; 30] = [
        "null",
        "true",
        "false",
        "0",
        "-0",
        "-1",
        "1.5",
        "1e400",
        "-1e400",
        "1E+2",
        "123456789012345678901234567890",
        "18446744073709551616",
        "-9223372036854775809",
        "\"\"",
        "\"x\"",
        "\"\\u00e9\\ud83d\\ude00\"",
        "\"\\ud800\"",
        "\"\\udc00\\ud800\"",
        "\"\\u0000\"",
        "\"tab\\there\\nnewline\\\"quote\\\\\"",
        "\"ech\\u006f\"",
        "\"echo\"",
        "\"noop\"",
        "\"add\"",
        "[]",
        "{}",
        "[1,[2,[3]]]",
        "{\"a\":{\"b\":null}}",
        "{\"action\":\"echo\"}",
        "\"\u{1F600}\u{e9}\u{4e2d}\"",
    ];
    match rng.below(10) {
        0 => format!("\"{}\"", "y".repeat(10_000)),
        1 => format!("{}1{}", "[".repeat(50), "]".repeat(50)),
        2 => format!("{}", rng.next() as i64),
        3 => format!("{}.{}e{}", rng.below(1000), rng.below(1000), rng.below(600) as i64 - 300),
        _ => (*rng.pick(&FIXED)).to_owned(),
    }
}

fn weird_id(rng: &mut Rng) -> String {
    const IDS: [&str; 18] = [
        "{}",
        "null",
        "true",
        "false",
        "[1]",
        "[]",
        "\"x\"",
        "0",
        "-5",
        "1.5",
        "-0",
        "1E+2",
        "123456789012345678901234567890",
        "\"\\u0041\"",
        "\"\"",
        "1e400",
        "\"\\ud800\"",
        "{\"id\":1}",
    ];
    if rng.chance(30) { format!("{}", rng.below(1_000_000)) } else { (*rng.pick(&IDS)).to_owned() }
}

fn weird_name(rng: &mut Rng) -> String {
    const NAMES: [&str; 10] = [
        "\"\"",
        "\"ECHO\"",
        "\"echo \"",
        "\"ech\\u006f\"",
        "\"\\ud800\"",
        "\"\\u0000\"",
        "42",
        "null",
        "[\"echo\"]",
        "\"type\"",
    ];
    if rng.chance(50) {
        return (*rng.pick(&NAMES)).to_owned();
    }
    let len = 1 + rng.below(6);
    let name: String = (0..len).map(|_| (b'a' + rng.below(26) as u8) as char).collect();
    if UNSAFE_ACTIONS.contains(&name.as_str()) { "\"nope\"".to_owned() } else { format!("\"{name}\"") }
}

fn object(members: &[(String, String)]) -> String {
    let inner: Vec<String> = members.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!("{{{}}}", inner.join(","))
}

/// Mutates one member list in place.
fn mutate(rng: &mut Rng, members: &mut Vec<(String, String)>) {
    match rng.below(6) {
        0 if !members.is_empty() => {
            let i = rng.below(members.len());
            members[i].1 = weird_values(rng);
        }
        1 if !members.is_empty() => {
            let i = rng.below(members.len());
            let key = members[i].0.clone();
            members.push((key, weird_values(rng)));
        }
        2 if !members.is_empty() => {
            let i = rng.below(members.len());
            members.remove(i);
        }
        3 => {
            const KEYS: [&str; 8] =
                ["\"zzz\"", "\"\"", "\"type\"", "\"id\"", "\"data\"", "\"\\u0061ction\"", "\"n\"", "\"é\""];
            let key = (*rng.pick(&KEYS)).to_owned();
            members.push((key, weird_values(rng)));
        }
        4 if members.len() > 1 => {
            let i = rng.below(members.len());
            let j = rng.below(members.len());
            members.swap(i, j);
        }
        _ => {
            let key = "\"zz\"".to_owned();
            members.push((key, weird_values(rng)));
        }
    }
}

/// One frame of the fuzz run.
fn generate(rng: &mut Rng, mode: Mode) -> String {
    match rng.below(20) {
        // Random printable and unprintable text.
        0 => {
            let len = rng.below(80);
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        // Deep nesting.
        1 => match rng.below(4) {
            0 => "[".repeat(10_000),
            1 => "{\"a\":".repeat(10_000),
            2 => format!("{{\"action\":\"echo\",\"text\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000)),
            _ => format!("{{\"action\":\"echo\",\"id\":1,\"data\":{}}}", "{\"a\":".repeat(5_000)),
        },
        // JSON that is not an object.
        2 => weird_values(rng),
        n => {
            let action = *rng.pick(&SAFE_ACTIONS);
            let (key, name) = if rng.chance(10) {
                ("\"type\"", "\"ping\"".to_owned())
            } else {
                ("\"action\"", format!("\"{action}\""))
            };
            // Damage the input most of the time, the frame itself less often.
            let mut input = valid_input(action);
            for _ in 0..rng.below(4) {
                mutate(rng, &mut input);
            }
            let mut frame = vec![(key.to_owned(), name)];
            match mode {
                Mode::Flat => frame.extend(input),
                Mode::Envelope => {
                    if rng.chance(75) {
                        frame.push(("\"id\"".to_owned(), format!("{}", rng.below(100_000))));
                    }
                    if rng.chance(25) {
                        let id = weird_id(rng);
                        match frame.iter_mut().find(|(k, _)| k == "\"id\"") {
                            Some(member) => member.1 = id,
                            None => frame.push(("\"id\"".to_owned(), id)),
                        }
                    }
                    if rng.chance(10) {
                        frame.push(("\"data\"".to_owned(), weird_values(rng)));
                    } else if !input.is_empty() || rng.chance(30) {
                        frame.push(("\"data\"".to_owned(), object(&input)));
                    }
                }
            }
            if rng.chance(15) {
                frame[0].1 = weird_name(rng);
            }
            if rng.chance(15) {
                mutate(rng, &mut frame);
            }
            // Never generate a frame that could close, block or stream.
            let text = object(&frame);
            if UNSAFE_ACTIONS.iter().any(|a| text.contains(&format!("\"{a}\""))) {
                return "{\"action\":\"nope\"}".to_owned();
            }
            // Sometimes truncate the frame (never a complete object), sometimes pad it.
            match n % 7 {
                0 if text.len() > 1 => {
                    let mut cut = 1 + rng.below(text.len() - 1);
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text[..cut].to_owned()
                }
                1 => format!(" \n\t{text}\r\n "),
                _ => text,
            }
        }
    }
}

/// The member names of a JSON object, unescaped, repeats kept.
struct Names(Vec<String>);

impl<'de> serde::Deserialize<'de> for Names {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Names;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Names, A::Error> {
                let mut names = Vec::new();
                while let Some((name, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    names.push(name);
                }
                Ok(Names(names))
            }
        }
        de.deserialize_map(Visitor)
    }
}

/// What the server must answer to one frame.
enum Expect {
    /// Not a JSON object: exactly one `invalid_json` error, not tied to a call.
    InvalidJson,
    /// Exactly one frame; in envelope mode, the raw id to echo (when it is a valid one).
    One { raw_id: Option<String> },
    /// A notification: an error, or nothing.
    AtMostOne,
}

fn expectation(text: &str, mode: Mode) -> Expect {
    // A routing key (or, in envelope mode, `id` or `data`) twice: refused as `invalid_json`.
    let repeatable =
        |name: &str| !(["action", "type"].contains(&name) || mode == Mode::Envelope && ["id", "data"].contains(&name));
    let repeated = serde_json::from_str::<Names>(text)
        .is_ok_and(|Names(names)| names.iter().enumerate().any(|(i, n)| !repeatable(n) && names[..i].contains(n)));
    if repeated {
        return Expect::InvalidJson;
    }
    match serde_json::from_str::<BTreeMap<String, Box<RawValue>>>(text) {
        Err(_) => Expect::InvalidJson,
        Ok(members) => match (mode, members.get("id")) {
            (Mode::Flat, _) => Expect::One { raw_id: None },
            (Mode::Envelope, Some(raw)) => Expect::One { raw_id: Some(raw.get().to_owned()) },
            (Mode::Envelope, None) => Expect::AtMostOne,
        },
    }
}

fn sentinel(mode: Mode, i: usize) -> (Value, Value) {
    match mode {
        Mode::Flat => {
            let text = format!("sentinel-{i}");
            (json!({ "action": "echo", "text": text, "n": i }), json!({ "action": "echo", "text": text, "n": i }))
        }
        Mode::Envelope => {
            let id = format!("sentinel-{i}");
            (json!({ "action": "noop", "id": id }), json!({ "action": "noop", "id": id }))
        }
    }
}

/// Checks one answer frame against the expectation.
fn check_answer(case: usize, text: &str, expect: &Expect, event: &Event) {
    let ctx = || format!("case {case}: frame {:?}", text.chars().take(300).collect::<String>());
    let frame = match event {
        Event::Json(v) => v,
        // The server encodes every id itself, so every answer parses.
        Event::Text(t) => panic!("{}: the answer is not JSON: {t:?}", ctx()),
        Event::Closed { code, reason } => panic!("{}: the server closed ({code:?}, {reason:?})", ctx()),
    };
    let obj = frame.as_object().unwrap_or_else(|| panic!("{}: the answer is not an object: {frame}", ctx()));
    if let Some(error) = obj.get("error") {
        assert!(error["code"].as_str().is_some_and(|c| !c.is_empty()), "{}: {frame}", ctx());
        assert!(error["message"].is_string(), "{}: {frame}", ctx());
    } else {
        let tagged = ["action", "type"].iter().any(|k| obj.get(*k).is_some_and(Value::is_string));
        assert!(tagged, "{}: neither an error nor a reply: {frame}", ctx());
    }
    match expect {
        Expect::InvalidJson => {
            assert_error_frame(frame, None, None, "invalid_json");
        }
        Expect::One { raw_id: Some(raw) } => {
            // A finite number or a valid string is echoed (re-encoded); anything else, including
            // numbers out of range (`1e400`) and lone surrogates, is refused without an id.
            if let Ok(id @ (Value::Number(_) | Value::String(_))) = serde_json::from_str::<Value>(raw) {
                assert_eq!(obj.get("id"), Some(&id), "{}: the id is echoed: {frame}", ctx());
            } else {
                assert!(
                    obj.contains_key("error") && !obj.contains_key("id"),
                    "{}: a bad id is an error: {frame}",
                    ctx()
                );
            }
        }
        Expect::One { raw_id: None } | Expect::AtMostOne => {}
    }
}

/// Frames are sent in batches, each followed by a sentinel call whose reply closes the case's
/// answers. (Pipelining keeps the run fast: a lone small frame that gets no answer would
/// otherwise wait for a delayed ACK before the sentinel leaves the client.) The attribution of
/// answers to cases relies on the server answering a frame's errors and immediate calls before it
/// reads the next frame, which it does; every handler used here ends at once.
async fn run_fuzz(mode: Mode, seed: u64) {
    const BATCH: usize = 100;
    let h = start().await;
    let mut c = open_proto(&h, "fuzz", mode).await;
    let mut rng = Rng(seed);
    let mut answered = 0usize;
    let mut first = 0;
    while first < CASES_PER_MODE {
        let mut batch = Vec::new();
        for case in first..(first + BATCH).min(CASES_PER_MODE) {
            let text = generate(&mut rng, mode);
            let expect = expectation(&text, mode);
            let (sentinel_frame, sentinel_reply) = sentinel(mode, case);
            c.send_text(text.clone()).await.unwrap_or_else(|e| panic!("case {case}: send: {e}"));
            c.send_json(&sentinel_frame).await.unwrap_or_else(|e| panic!("case {case}: send sentinel: {e}"));
            batch.push((case, text, expect, sentinel_reply));
        }
        first += batch.len();
        for (case, text, expect, sentinel_reply) in batch {
            let mut answers = Vec::new();
            loop {
                let event = c.recv().await.unwrap_or_else(|e| panic!("case {case} ({text:?}): {e}"));
                if event == Event::Json(sentinel_reply.clone()) {
                    break;
                }
                answers.push(event);
            }
            match expect {
                Expect::AtMostOne => assert!(answers.len() <= 1, "case {case} ({text:?}): {answers:?}"),
                _ => assert_eq!(answers.len(), 1, "case {case} ({text:?}): {answers:?}"),
            }
            for answer in &answers {
                check_answer(case, &text, &expect, answer);
            }
            answered += answers.len();
        }
    }
    assert!(answered > CASES_PER_MODE / 2, "{mode:?}: most frames are answered ({answered})");
    assert_silent(&mut c, Duration::from_millis(100), "after the fuzz run").await;

    // The same connection still works, typed calls included...
    assert_still_answers(&mut c, mode).await;
    let out = c.call::<proto::actions::Add>(&AddIn { a: 20, b: 22 }).await.expect("a typed call after the fuzz run");
    assert_eq!(out, 42);
    // ...and so does a fresh one.
    let mut fresh: TestClient = open_proto(&h, "fuzz", mode).await;
    assert_still_answers(&mut fresh, mode).await;
}

fn quiet_expected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or_default();
            if !msg.contains("hunter2") {
                default(info);
            }
        }));
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_never_close_a_flat_connection() {
    quiet_expected_panics();
    run_fuzz(Mode::Flat, 0x5EED_F1A7).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_never_close_an_envelope_connection() {
    quiet_expected_panics();
    run_fuzz(Mode::Envelope, 0x5EED_E17E).await;
}
