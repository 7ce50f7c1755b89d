//! The `wirechan` binary end to end: it reads manifests with `cargo test` (the chat example, a
//! binary-only crate), writes and checks TypeScript, and reports each failure in one message.
//!
//! Fixture crates (`tests/fixtures/`) are copied into a temporary workspace of their own, with the
//! repository's `Cargo.lock` and target folder, so they build against the same dependencies
//! without rebuilding them.

// Test crates: their items are the tests' own, not an API.
#![allow(unreachable_pub, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The target folder of this build (`CARGO_TARGET_TMPDIR` is `<target>/tmp`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().to_path_buf()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("codegen-cli").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wirechan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirechan"))
        .args(args)
        .current_dir(root())
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("the wirechan binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fixture crate as a workspace of its own in a scratch folder; returns its `Cargo.toml`.
/// `targets` is added to its manifest.
fn fixture(name: &str, uses_wirechan: bool, targets: &str) -> PathBuf {
    // Tests run in parallel and may use one fixture twice: each copy gets a folder of its own.
    static COPIES: AtomicUsize = AtomicUsize::new(0);
    let dir = scratch(&format!("fixture-{name}-{}", COPIES.fetch_add(1, Ordering::Relaxed)));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).join("src");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    for entry in std::fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("src").join(entry.file_name())).unwrap();
    }
    let dependencies = if uses_wirechan {
        format!(
            "wirechan = {{ path = {:?} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nschemars = \"1\"\n",
            root().join("runtime")
        )
    } else {
        String::new()
    };
    let manifest = format!(
        "[package]\nname = \"fixture-{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{dependencies}\n{targets}\n[workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir.join("Cargo.toml")
}

#[test]
fn manifest_prints_the_chat_example_channels() {
    let output = wirechan(&["manifest", "--package", "example-chat"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let manifest: wirechan_manifest::Manifest =
        serde_json::from_slice(&output.stdout).expect("stdout is the manifest JSON");
    assert_eq!(manifest.version, wirechan_manifest::MANIFEST_VERSION);
    let [chat] = manifest.channels.as_slice() else { panic!("one channel: {:?}", manifest.channels) };
    assert_eq!((chat.name.as_str(), chat.route.as_str()), ("chat", "/chat"));
    let actions: Vec<&str> = chat.actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["authenticate", "sendMessage"]);
    assert_eq!(chat.opening_data.as_value()["title"], "Room");
}

#[test]
fn ts_check_passes_on_a_fresh_file_and_fails_on_a_stale_one() {
    let dir = scratch("check");
    let out = dir.join("nested/chat-client.ts");
    let out_arg = out.to_str().unwrap();
    let missing = wirechan(&["ts", "--package", "example-chat", "--out", out_arg, "--check"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("does not exist"), "{}", stderr(&missing));
    assert!(!out.exists(), "--check writes nothing");

    let write = wirechan(&["ts", "--package", "example-chat", "--out", out_arg]);
    assert!(write.status.success(), "{}", stderr(&write));
    let fresh = std::fs::read_to_string(&out).unwrap();
    assert!(fresh.contains("export function connectChat("), "the module has the chat client");
    let check = wirechan(&["ts", "--package", "example-chat", "--out", out_arg, "--check"]);
    assert!(check.status.success(), "a file just written is fresh: {}", stderr(&check));
    assert!(stderr(&check).contains("is up to date"));

    let stale = fresh.replacen("  timestamp: number;", "  timestamp: string;", 1);
    assert_ne!(stale, fresh, "the chat module has `timestamp: number`");
    std::fs::write(&out, &stale).unwrap();
    let check = wirechan(&["ts", "--package", "example-chat", "--out", out_arg, "--check"]);
    assert_eq!(check.status.code(), Some(1), "a stale file fails the check");
    let report = stderr(&check);
    assert!(report.starts_with("error: ") && report.contains("is stale"), "{report}");
    assert!(
        report.contains("-  timestamp: string;") && report.contains("+  timestamp: number;"),
        "shows the diff: {report}"
    );
    // Run as `cargo run` runs it (the test inherits cargo's `CARGO_PKG_NAME`): the hint says so.
    assert!(
        report.contains(&format!("run `cargo run -p wirechan-cli -- ts --package example-chat --out {out_arg}`")),
        "says how to regenerate: {report}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), stale, "--check leaves the file alone");

    // Installed (not run by cargo), with the manifest named: the hint keeps `--manifest-path`.
    let chat_manifest = root().join("examples/chat/Cargo.toml");
    let installed = Command::new(env!("CARGO_BIN_EXE_wirechan"))
        .args(["ts", "--out", out_arg, "--check", "--manifest-path"])
        .arg(&chat_manifest)
        .current_dir(std::env::temp_dir())
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("CARGO_PKG_NAME")
        .output()
        .unwrap();
    let report = stderr(&installed);
    assert_eq!(installed.status.code(), Some(1), "{report}");
    assert!(
        report.contains(&format!("run `wirechan ts --manifest-path {} --out {out_arg}`", chat_manifest.display())),
        "names the command as it was typed, without a --package it did not need: {report}"
    );
}

#[test]
fn reads_a_binary_only_crate_without_running_main() {
    let manifest_path = fixture("bin-only", true, "");
    let marker = manifest_path.with_file_name("main-ran");
    let output = Command::new(env!("CARGO_BIN_EXE_wirechan"))
        .args(["ts", "--package", "fixture-bin-only", "--manifest-path"])
        .arg(&manifest_path)
        .arg("--out")
        .arg(manifest_path.with_file_name("pinger.ts"))
        .env("CARGO_TARGET_DIR", target_dir())
        .env("FIXTURE_MAIN_RAN", &marker)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!marker.exists(), "the binary's main did not run");
    let module = std::fs::read_to_string(manifest_path.with_file_name("pinger.ts")).unwrap();
    assert!(module.contains("ping: { key: 'action'; input: Ping; output: Pong; progress: never };"), "{module}");
    assert!(module.contains("export function connectPinger("));
}

#[test]
fn package_not_found_is_one_clear_message() {
    let output = wirechan(&["ts", "--package", "no-such-package", "--out", "/nonexistent/x.ts"]);
    assert_eq!(output.status.code(), Some(1));
    let report = stderr(&output);
    assert!(report.starts_with("error: package `no-such-package` not found in the workspace"), "{report}");
    assert!(report.contains("example-chat") && report.contains("wirechan-cli"), "lists the packages: {report}");
    assert_eq!(report.trim_end().lines().count(), 1, "one line: {report}");
}

#[test]
fn a_package_without_bootstrap_says_so() {
    let manifest_path = fixture("no-bootstrap", true, "");
    let output = Command::new(env!("CARGO_BIN_EXE_wirechan"))
        .args(["manifest", "--package", "fixture-no-bootstrap", "--manifest-path"])
        .arg(&manifest_path)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = stderr(&output);
    assert!(
        report.starts_with("error: package `fixture-no-bootstrap` has no channels to export: it has no `bootstrap!`"),
        "{report}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_build_failure_shows_the_compiler_error() {
    let manifest_path = fixture("broken", false, "");
    let output = Command::new(env!("CARGO_BIN_EXE_wirechan"))
        .args(["manifest", "--package", "fixture-broken", "--manifest-path"])
        .arg(&manifest_path)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = stderr(&output);
    assert!(report.starts_with("error: package `fixture-broken` does not build"), "{report}");
    assert!(
        report.contains("mismatched types") && report.contains("\"not a number\""),
        "shows rustc's error: {report}"
    );
}

/// Runs the CLI on a fixture with the marker variable set; returns the output and whether some
/// `main` ran.
fn on_fixture(manifest_path: &Path, args: &[&str]) -> (Output, bool) {
    let marker = manifest_path.with_file_name("main-ran");
    let output = Command::new(env!("CARGO_BIN_EXE_wirechan"))
        .args(args)
        .arg("--manifest-path")
        .arg(manifest_path)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("FIXTURE_MAIN_RAN", &marker)
        .output()
        .unwrap();
    (output, marker.exists())
}

#[test]
fn a_binary_without_test_harness_is_left_alone() {
    let bin = "[[bin]]\nname = \"fixture-harnessless-bin\"\npath = \"src/main.rs\"\nharness = false\n";
    let manifest_path = fixture("harnessless-bin", true, bin);
    let (output, main_ran) = on_fixture(&manifest_path, &["manifest", "--package", "fixture-harnessless-bin"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!main_ran, "the binary without harness was not run");
    let manifest: wirechan_manifest::Manifest = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(manifest.channels[0].name, "greeter");
}

#[test]
fn only_targets_without_test_harness_is_one_clear_message() {
    let bin = "[[bin]]\nname = \"fixture-harnessless-bin\"\npath = \"src/main.rs\"\nharness = false\n\n\
               [lib]\npath = \"src/lib.rs\"\nharness = false\n";
    let manifest_path = fixture("harnessless-bin", true, bin);
    let (output, main_ran) = on_fixture(&manifest_path, &["manifest", "--package", "fixture-harnessless-bin"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!main_ran);
    let report = stderr(&output);
    assert!(
        report.starts_with(
            "error: package `fixture-harnessless-bin` has no library or binary target with a test harness"
        ),
        "{report}"
    );
}

#[test]
fn two_bootstraps_in_one_package_are_refused() {
    let manifest_path = fixture("two-bootstraps", true, "");
    let (output, _) = on_fixture(&manifest_path, &["manifest", "--package", "fixture-two-bootstraps"]);
    assert_eq!(output.status.code(), Some(1));
    let report = stderr(&output);
    assert!(report.starts_with("error: the manifest check of package `fixture-two-bootstraps` failed:"), "{report}");
    assert!(report.contains("is there a second one?"), "says why: {report}");
}

#[test]
fn a_schema_the_export_test_rejects_is_reported_with_the_test_message() {
    let manifest_path = fixture("bad-schema", true, "");
    let (output, _) = on_fixture(&manifest_path, &["manifest", "--package", "fixture-bad-schema"]);
    assert_eq!(output.status.code(), Some(1));
    let report = stderr(&output);
    assert!(report.starts_with("error: the manifest check of package `fixture-bad-schema` failed:"), "{report}");
    assert!(
        report.contains(
            "channel `remote`, fetch input: `$ref` https://example.invalid/remote.json does not resolve inside the schema"
        ),
        "the export test names the channel, the function and the reference: {report}"
    );
}

#[test]
fn an_approximation_is_a_warning_and_an_error_under_strict() {
    let manifest_path = fixture("approximated", true, "");
    let out = manifest_path.with_file_name("few.ts");
    let (output, _) = on_fixture(&manifest_path, &["ts", "--out", out.to_str().unwrap()]);
    let report = stderr(&output);
    assert!(output.status.success(), "{report}");
    assert!(
        report.contains(
            "warning: channel `few`, action `keep` input, type `Few`, at `/maxItems`: at most 3 elements (`maxItems`) \
             is not expressed"
        ),
        "names where and what: {report}"
    );
    assert!(out.exists());

    let strict = manifest_path.with_file_name("strict.ts");
    let (output, _) = on_fixture(&manifest_path, &["ts", "--strict", "--out", strict.to_str().unwrap()]);
    let report = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(report.contains("warning: channel `few`"), "{report}");
    assert!(report.contains("error: 1 place(s) where the TypeScript types would admit more"), "{report}");
    assert!(!strict.exists(), "--strict writes nothing");
}

#[test]
fn a_workspace_without_a_package_named_says_which_to_name() {
    let output = Command::new(env!("CARGO_BIN_EXE_wirechan"))
        .args(["manifest"])
        .current_dir(root())
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = stderr(&output);
    assert!(report.contains("is a workspace of several packages: name one with `--package <name>`"), "{report}");
    assert!(report.contains("example-chat"), "lists them: {report}");
}
