//! Snapshot tests of the AsyncAPI generator.
//!
//! The chat example's document is checked in at `examples/chat/asyncapi.json` (the example serves
//! it); it is generated here by the `wirechan` binary from the package itself. Regenerate it with
//! `UPDATE_SNAPSHOTS=1 cargo test -p wirechan-cli --test asyncapi`, then read the diff. The
//! documents of the serde cases of `tests/codegen/data/` are kept by the code generator suite of the
//! `wirechan-tests` package (`tests/tests/codegen/snapshots.rs`).
//! `scripts/suites/15-asyncapi` validates every snapshot with `@asyncapi/parser`.

// Test crates: their items are the tests' own, not an API.
#![allow(unreachable_pub, missing_docs)]

mod shared;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use shared::{asyncapi_problems, compare_snapshot};

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn chat_snapshot() -> PathBuf {
    root().join("examples/chat/asyncapi.json")
}

fn wirechan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirechan"))
        .args(args)
        .current_dir(root())
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap())
        .output()
        .expect("the wirechan binary runs")
}

#[test]
fn the_chat_document_is_up_to_date() {
    let output = wirechan(&["asyncapi", "--package", "example-chat"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let generated = String::from_utf8(output.stdout).unwrap();
    let document: Value = serde_json::from_str(&generated).expect("the document is JSON");
    assert_eq!(asyncapi_problems(&document), Vec::<String>::new());

    assert_eq!(document["asyncapi"], "3.0.0");
    assert_eq!(document["info"]["title"], "example-chat");
    assert_eq!(document["channels"]["chat"]["address"], "/chat");
    assert_eq!(document["channels"]["chat"]["bindings"]["ws"]["query"]["$ref"], "#/components/schemas/Room");
    let operations: Vec<(&str, &str)> = document["operations"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, op)| (id.as_str(), op["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        operations,
        [
            ("chat.authenticate", "receive"),
            ("chat.connect", "send"),
            ("chat.error", "send"),
            ("chat.publication", "send"),
            ("chat.roomPublication", "send"),
            ("chat.roomSubscribe", "receive"),
            ("chat.roomUnsubscribe", "receive"),
            ("chat.sendMessage", "receive"),
        ]
    );
    // The declared topic's publications carry its payload's schema and its name's pattern.
    let room = &document["channels"]["chat"]["messages"]["roomPublication"]["payload"];
    assert_eq!(room["properties"]["data"]["$ref"], "#/components/schemas/RoomEvent");
    assert_eq!(room["properties"]["topic"]["pattern"], "^room:[^:]*$");
    let send = &document["operations"]["chat.sendMessage"];
    assert_eq!(send["reply"]["messages"][0]["$ref"], "#/channels/chat/messages/sendMessageReply");
    assert_eq!(send["reply"]["messages"][1]["$ref"], "#/channels/chat/messages/error");
    let call = &document["channels"]["chat"]["messages"]["sendMessage"]["payload"]["allOf"];
    assert_eq!(call[0]["properties"]["action"]["const"], "sendMessage");
    assert_eq!(call[1]["$ref"], "#/components/schemas/SendMessage");
    let sent = &document["components"]["schemas"]["MessageSent"];
    assert_eq!(sent["properties"]["timestamp"]["type"], "integer");

    if let Err(stale) = compare_snapshot(&chat_snapshot(), &generated) {
        panic!(
            "the chat example's AsyncAPI document differs from the snapshot (rerun with UPDATE_SNAPSHOTS=1 if the \
             change is right):\n{stale}"
        );
    }
}

#[test]
fn asyncapi_check_reports_a_stale_file() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("codegen-cli-asyncapi");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("nested/chat.json");
    let _ = std::fs::remove_file(&out);
    let out_arg = out.to_str().unwrap();
    let write = wirechan(&["asyncapi", "--package", "example-chat", "--out", out_arg]);
    assert!(write.status.success(), "{}", String::from_utf8_lossy(&write.stderr));
    let check = wirechan(&["asyncapi", "--package", "example-chat", "--out", out_arg, "--check"]);
    assert!(check.status.success(), "a file just written is fresh: {}", String::from_utf8_lossy(&check.stderr));

    let fresh = std::fs::read_to_string(&out).unwrap();
    let stale = fresh.replacen("\"title\": \"example-chat\"", "\"title\": \"renamed\"", 1);
    assert_ne!(stale, fresh, "the document has the package as its title");
    std::fs::write(&out, &stale).unwrap();
    let check = wirechan(&["asyncapi", "--package", "example-chat", "--out", out_arg, "--check"]);
    assert_eq!(check.status.code(), Some(1), "a stale file fails the check");
    let report = String::from_utf8_lossy(&check.stderr);
    assert!(report.contains("is stale") && report.contains("+    \"title\": \"example-chat\""), "{report}");
    assert!(
        report.contains(&format!("run `cargo run -p wirechan-cli -- asyncapi --package example-chat --out {out_arg}`")),
        "says how to regenerate, as cargo ran it: {report}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), stale, "--check leaves the file alone");
}
