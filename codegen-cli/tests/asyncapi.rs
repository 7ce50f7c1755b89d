//! Snapshot tests of the AsyncAPI generator.
//!
//! The chat example's document is checked in at `examples/chat/asyncapi.json` (the example serves
//! it); it is generated here by the `wirechan` binary from the package itself. Every serde case of
//! `tests/data/` (see `snapshots.rs`) has its document in `tests/data/<case>/asyncapi.json`.
//! Regenerate both with `UPDATE_SNAPSHOTS=1 cargo test -p wirechan-cli --test asyncapi`, then read
//! the diff. `scripts/suites/15-asyncapi` validates the snapshots with `@asyncapi/parser`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::tests_dir;
use wirechan_cli::asyncapi::{self, PackageInfo};
use wirechan_cli::check::{self, Freshness};

macro_rules! cases {
    ($($name:ident: $path:literal),* $(,)?) => {
        $(
            #[path = $path]
            #[allow(dead_code)] // The samples are for the TypeScript round trip.
            mod $name;
        )*

        fn cases() -> Vec<(&'static str, wirechan::Manifest)> {
            vec![$((stringify!($name), $name::bootstrap::manifest())),*]
        }
    };
}

cases!(
    options: "data/options/input.rs",
    defaults: "data/defaults/input.rs",
    skip_serializing: "data/skip_serializing/input.rs",
    rename: "data/rename/input.rs",
    enum_external: "data/enum_external/input.rs",
    enum_internal: "data/enum_internal/input.rs",
    enum_adjacent: "data/enum_adjacent/input.rs",
    enum_untagged: "data/enum_untagged/input.rs",
    flatten: "data/flatten/input.rs",
    maps: "data/maps/input.rs",
    tuples: "data/tuples/input.rs",
    newtypes: "data/newtypes/input.rs",
    unit_structs: "data/unit_structs/input.rs",
    json_value: "data/json_value/input.rs",
    integers: "data/integers/input.rs",
    recursive: "data/recursive/input.rs",
    external_types: "data/external_types/input.rs",
    docs: "data/docs/input.rs",
    directions: "data/directions/input.rs",
    channels: "data/channels/input.rs",
    collisions: "data/collisions/input.rs",
);

fn update() -> bool {
    std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1")
}

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

/// Compares `generated` with the snapshot at `path`, or writes it with `UPDATE_SNAPSHOTS=1`.
fn compare(path: &Path, generated: &str) -> Result<(), String> {
    if update() {
        if std::fs::read_to_string(path).ok().as_deref() != Some(generated) {
            std::fs::write(path, generated).unwrap();
            eprintln!("updated {}", path.display());
        }
        return Ok(());
    }
    match check::compare(path, generated).unwrap() {
        Freshness::Fresh => Ok(()),
        Freshness::Missing => Err(format!("{}: missing", path.display())),
        Freshness::Stale { diff } => Err(format!("{}:\n{diff}", path.display())),
    }
}

/// Every `$ref` of `document`, with where it is.
fn refs<'a>(value: &'a Value, at: &str, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                match (key.as_str(), member) {
                    ("$ref", Value::String(target)) => out.push((at.to_owned(), target)),
                    _ => refs(member, &format!("{at}/{key}"), out),
                }
            }
        }
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| refs(v, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

/// What is wrong with a document that the parser would also refuse: a `$ref` that does not
/// resolve, a 2020-12 keyword that draft-07 does not know.
fn problems(document: &Value) -> Vec<String> {
    let mut found = Vec::new();
    refs(document, "", &mut found);
    let mut problems: Vec<String> = found
        .iter()
        .filter(|(_, target)| target.strip_prefix('#').and_then(|p| document.pointer(p)).is_none())
        .map(|(at, target)| format!("{at}: `{target}` does not resolve"))
        .collect();
    let text = document.to_string();
    for keyword in ["\"$defs\"", "\"prefixItems\"", "\"$schema\""] {
        if text.contains(keyword) {
            problems.push(format!("{keyword} left in the document"));
        }
    }
    problems
}

#[test]
fn the_chat_document_is_up_to_date() {
    let output = wirechan(&["asyncapi", "--package", "example-chat"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let generated = String::from_utf8(output.stdout).unwrap();
    let document: Value = serde_json::from_str(&generated).expect("the document is JSON");
    assert_eq!(problems(&document), Vec::<String>::new());

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
            ("chat.sendMessage", "receive"),
        ]
    );
    let send = &document["operations"]["chat.sendMessage"];
    assert_eq!(send["reply"]["messages"][0]["$ref"], "#/channels/chat/messages/sendMessageReply");
    assert_eq!(send["reply"]["messages"][1]["$ref"], "#/channels/chat/messages/error");
    let call = &document["channels"]["chat"]["messages"]["sendMessage"]["payload"]["allOf"];
    assert_eq!(call[0]["properties"]["action"]["const"], "sendMessage");
    assert_eq!(call[1]["$ref"], "#/components/schemas/SendMessage");
    let sent = &document["components"]["schemas"]["MessageSent"];
    assert_eq!(sent["properties"]["timestamp"]["type"], "integer");

    if let Err(stale) = compare(&chat_snapshot(), &generated) {
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
    assert!(report.contains("wirechan asyncapi --package example-chat --out"), "says how to regenerate: {report}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), stale, "--check leaves the file alone");
}

#[test]
fn case_documents_are_up_to_date_and_resolve() {
    let mut stale = Vec::new();
    for (name, manifest) in cases() {
        let package = PackageInfo { name: name.to_owned(), version: "0.0.0".to_owned(), description: None };
        let generated = asyncapi::document(&manifest, &package);
        let document: Value = serde_json::from_str(&generated).unwrap();
        let problems = problems(&document);
        assert!(problems.is_empty(), "case `{name}`:\n{}", problems.join("\n"));
        if let Err(diff) = compare(&tests_dir().join("data").join(name).join("asyncapi.json"), &generated) {
            stale.push(diff);
        }
    }
    assert!(
        stale.is_empty(),
        "generated AsyncAPI differs from the snapshots (rerun with UPDATE_SNAPSHOTS=1 if the change is right):\n{}",
        stale.join("\n\n")
    );
}
