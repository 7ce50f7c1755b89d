//! Reading a package's manifest without running its `main`.
//!
//! `bootstrap!` generates a `#[cfg(test)]` test, `__wirechan_export_manifest`, that writes the
//! manifest to the file named by `WIRECHAN_MANIFEST_OUT`. This module finds the package with
//! `cargo metadata`, runs that test with `cargo test` on the package's library and binaries
//! (whichever it has), and reads the JSON back. A binary-only crate works the same way: its test
//! harness replaces `main`. Targets with `harness = false` are left out, since `cargo test` would
//! run their `main`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::{MetadataCommand, Package};
use wirechan_manifest::{MANIFEST_VERSION, Manifest};

/// The test `bootstrap!` generates; a substring filter, so a `bootstrap!` inside a nested module
/// (test path `app::bootstrap::__wirechan_export_manifest`) is found too.
pub const EXPORT_TEST: &str = "__wirechan_export_manifest";

/// The environment variable that tells the export test where to write the manifest.
pub const MANIFEST_OUT_ENV: &str = "WIRECHAN_MANIFEST_OUT";

/// How many trailing lines of cargo's output an error shows.
const TAIL_LINES: usize = 40;

/// Where to find the package.
#[derive(Debug, Clone)]
pub struct PackageRef {
    /// The cargo package name (`[package] name`); `None`: the package of `manifest_path` (or of
    /// the current directory), as `cargo` itself picks it.
    pub name: Option<String>,
    /// The package's (or its workspace's) `Cargo.toml`; `None`: cargo looks in the current
    /// directory and its parents.
    pub manifest_path: Option<PathBuf>,
}

/// What [`read_manifest_with`] tells while it works: the export may take minutes when the
/// package builds for the first time.
#[derive(Debug, Clone, Copy)]
pub enum Report<'a> {
    /// A step begins.
    Stage(&'a str),
    /// A line cargo printed (`Compiling serde v1.0.0`, ...).
    Cargo(&'a str),
}

/// Why the manifest could not be read. Each is one message that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// `cargo` could not be started.
    #[error("cannot run `{cargo}`: {source}")]
    CargoMissing {
        /// The cargo command.
        cargo: String,
        /// The spawn error.
        source: std::io::Error,
    },
    /// `cargo metadata` failed (e.g. no `Cargo.toml` here).
    #[error("cannot read the cargo workspace: {0}")]
    Metadata(String),
    /// No package was named, and the manifest is a workspace's without a package of its own.
    #[error(
        "{workspace} is a workspace of several packages: name one with `--package <name>`; its packages are: \
         {available}"
    )]
    NoPackageNamed {
        /// The workspace root.
        workspace: String,
        /// The member names, comma-separated.
        available: String,
    },
    /// No workspace member has that name.
    #[error("package `{name}` not found in the workspace at {workspace}; its packages are: {available}")]
    PackageNotFound {
        /// The name asked for.
        name: String,
        /// The workspace root.
        workspace: String,
        /// The member names, comma-separated.
        available: String,
    },
    /// The package does not compile (as a test).
    #[error("package `{package}` does not build (its library and binaries, as tests); cargo said:\n{tail}")]
    Build {
        /// The package.
        package: String,
        /// The last lines of cargo's stderr.
        tail: String,
    },
    /// The package built, but the export test failed.
    #[error("the manifest check of package `{package}` failed:\n{tail}")]
    TestFailed {
        /// The package.
        package: String,
        /// The last lines of the test's output.
        tail: String,
    },
    /// Every library or binary target turns the test harness off, so `cargo test` would run it.
    #[error(
        "package `{0}` has no library or binary target with a test harness (`harness = false` everywhere), so the \
         manifest cannot be read without running the program; put the `bootstrap!` in a target with the harness"
    )]
    NoHarness(String),
    /// The package built and its tests ran, but none wrote a manifest.
    #[error(
        "package `{0}` has no channels to export: it has no `bootstrap!`. List its channels in the library \
         or the binary crate, e.g. `wirechan::bootstrap! {{ chat }}` after its `wire_channel!`s"
    )]
    NoBootstrap(String),
    /// The manifest has no channel.
    #[error("package `{0}` exports a manifest without channels")]
    NoChannels(String),
    /// The manifest file is not a manifest of this version.
    #[error("package `{package}` wrote a manifest that cannot be read: {reason}")]
    BadManifest {
        /// The package.
        package: String,
        /// What is wrong.
        reason: String,
    },
    /// A file could not be created or read.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ExportError {
    let what = what.into();
    move |source| ExportError::Io { what, source }
}

/// Runs the package's export test and returns its manifest.
pub fn read_manifest(package: &PackageRef) -> Result<Manifest, ExportError> {
    read_manifest_with(package, &mut |_| {})
}

/// [`read_manifest`], telling `report` each step and each line cargo prints.
pub fn read_manifest_with(package: &PackageRef, report: &mut dyn FnMut(Report<'_>)) -> Result<Manifest, ExportError> {
    let cargo = cargo_command();
    report(Report::Stage("reading the cargo workspace"));
    let package_meta = workspace_package(&cargo, package)?;
    let name = package_meta.name.to_string();
    let found = find_package(&name, &package_meta)?;
    let dir = tempfile::tempdir().map_err(io("cannot create a temporary folder"))?;
    let out = dir.path().join("manifest.json");
    report(Report::Stage(&format!("building `{name}` as a test and running its manifest export")));
    run_export_test(&cargo, &name, package, &found, &out, report)?;
    if !out.exists() {
        return Err(ExportError::NoBootstrap(name));
    }
    let text = std::fs::read_to_string(&out).map_err(io(format!("cannot read {}", out.display())))?;
    parse_manifest(&name, &text)
}

/// Reads a manifest's JSON, checking its version and that it has channels.
pub fn parse_manifest(package: &str, text: &str) -> Result<Manifest, ExportError> {
    let bad = |reason: String| ExportError::BadManifest { package: package.to_owned(), reason };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let version = value.get("version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(MANIFEST_VERSION)) {
        return Err(bad(format!(
            "its version is {}, this CLI reads version {MANIFEST_VERSION}; use the CLI of the same wirechan version",
            version.map_or_else(|| "missing".to_owned(), |v| v.to_string())
        )));
    }
    let manifest: Manifest = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
    if manifest.channels.is_empty() {
        return Err(ExportError::NoChannels(package.to_owned()));
    }
    Ok(manifest)
}

/// The cargo that runs us (`cargo run` sets `CARGO`), else `cargo` from `PATH`.
fn cargo_command() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// Which targets to test: ones whose test harness replaces `main`.
struct Found {
    lib: bool,
    /// `None`: every binary (`--bins`); `Some`: only these (`--bin <name>`), because the others
    /// have `harness = false`.
    bins: Option<Vec<String>>,
}

/// The package's name, version and description (from `cargo metadata`), for documents that name it.
pub fn package_info(package: &PackageRef) -> Result<crate::asyncapi::PackageInfo, ExportError> {
    let found = workspace_package(&cargo_command(), package)?;
    Ok(crate::asyncapi::PackageInfo {
        name: found.name.to_string(),
        version: found.version.to_string(),
        description: found.description,
    })
}

fn find_package(name: &str, package: &Package) -> Result<Found, ExportError> {
    let found = targets(package)?;
    if !found.lib && found.bins.as_ref().is_some_and(Vec::is_empty) {
        return Err(ExportError::NoHarness(name.to_owned()));
    }
    Ok(found)
}

/// The workspace member named by `package`, or the package of its manifest when it names none.
fn workspace_package(cargo: &Path, package: &PackageRef) -> Result<Package, ExportError> {
    let mut command = MetadataCommand::new();
    command.cargo_path(cargo).no_deps();
    if let Some(path) = &package.manifest_path {
        command.manifest_path(path);
    }
    let metadata = command.exec().map_err(|e| match e {
        cargo_metadata::Error::Io(source) => ExportError::CargoMissing { cargo: cargo.display().to_string(), source },
        cargo_metadata::Error::CargoMetadata { stderr } => ExportError::Metadata(stderr.trim().to_owned()),
        other => ExportError::Metadata(other.to_string()),
    })?;
    let members = metadata.workspace_packages();
    let available = || {
        let mut names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        names.join(", ")
    };
    let Some(name) = &package.name else {
        // As cargo picks it: the package whose `Cargo.toml` was given, or the nearest one above
        // the current directory.
        let manifest = package.manifest_path.clone().or_else(nearest_manifest).and_then(|m| m.canonicalize().ok());
        let own = members.iter().find(|p| {
            manifest.as_deref().is_some_and(|m| p.manifest_path.as_std_path().canonicalize().is_ok_and(|own| own == m))
        });
        return match own {
            Some(own) => Ok(Package::clone(own)),
            None => Err(ExportError::NoPackageNamed {
                workspace: metadata.workspace_root.to_string(),
                available: available(),
            }),
        };
    };
    let Some(found) = members.iter().find(|p| p.name.as_str() == name) else {
        return Err(ExportError::PackageNotFound {
            name: name.clone(),
            workspace: metadata.workspace_root.to_string(),
            available: available(),
        });
    };
    Ok(Package::clone(found))
}

/// The `Cargo.toml` of the current directory or the nearest folder above it.
fn nearest_manifest() -> Option<PathBuf> {
    let here = std::env::current_dir().ok()?;
    here.ancestors().map(|dir| dir.join("Cargo.toml")).find(|manifest| manifest.is_file())
}

/// The library and binaries to test, leaving out those with `harness = false`: for them
/// `cargo test` runs the program itself.
fn targets(package: &Package) -> Result<Found, ExportError> {
    let (lib_without_harness, bins_without_harness) = harnessless(package)?;
    let lib = !lib_without_harness
        && package.targets.iter().any(|t| {
            t.is_lib() || t.is_rlib() || t.is_dylib() || t.is_cdylib() || t.is_staticlib() || t.is_proc_macro()
        });
    let all_bins: Vec<String> = package.targets.iter().filter(|t| t.is_bin()).map(|t| t.name.clone()).collect();
    let bins = if bins_without_harness.is_empty() && !all_bins.is_empty() {
        None
    } else {
        Some(all_bins.into_iter().filter(|b| !bins_without_harness.contains(b)).collect())
    };
    Ok(Found { lib, bins })
}

/// Whether `[lib]` and which `[[bin]]`s say `harness = false` in the package's `Cargo.toml`
/// (`cargo metadata` does not tell).
fn harnessless(package: &Package) -> Result<(bool, Vec<String>), ExportError> {
    let text = std::fs::read_to_string(&package.manifest_path)
        .map_err(io(format!("cannot read {}", package.manifest_path)))?;
    let manifest: toml::Table =
        text.parse().map_err(|e| ExportError::Metadata(format!("cannot read {}: {e}", package.manifest_path)))?;
    let off = |target: &toml::Value| target.get("harness").and_then(toml::Value::as_bool) == Some(false);
    let lib = manifest.get("lib").is_some_and(off);
    let bins = manifest
        .get("bin")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|bin| off(bin))
        .filter_map(|bin| bin.get("name").and_then(toml::Value::as_str).map(str::to_owned))
        .collect();
    Ok((lib, bins))
}

fn run_export_test(
    cargo: &Path,
    name: &str,
    package: &PackageRef,
    found: &Found,
    out: &Path,
    report: &mut dyn FnMut(Report<'_>),
) -> Result<(), ExportError> {
    let mut command = Command::new(cargo);
    command.args(["test", "--color", "never", "--package", name]);
    if let Some(path) = &package.manifest_path {
        command.arg("--manifest-path").arg(path);
    }
    if found.lib {
        command.arg("--lib");
    }
    match &found.bins {
        None => {
            command.arg("--bins");
        }
        Some(bins) => {
            for bin in bins {
                command.args(["--bin", bin]);
            }
        }
    }
    command.args(["--", EXPORT_TEST]).env(MANIFEST_OUT_ENV, out).env("RUST_BACKTRACE", "0");
    let (status, stdout, stderr) = run_streaming(command, report)
        .map_err(|source| ExportError::CargoMissing { cargo: cargo.display().to_string(), source })?;
    if status.success() {
        return Ok(());
    }
    // A build failure is reported by cargo before any test binary runs.
    if stderr.contains("error: could not compile") || stderr.contains("error[E") || !stderr.contains("test failed") {
        return Err(ExportError::Build { package: name.to_owned(), tail: tail(&without_progress(&stderr)) });
    }
    Err(ExportError::TestFailed {
        package: name.to_owned(),
        tail: tail(&format!("{stdout}{}", without_progress(&stderr))),
    })
}

/// Runs `command`, handing each line it writes to stderr to `report` as it comes; returns its
/// status, stdout and stderr.
fn run_streaming(
    mut command: Command,
    report: &mut dyn FnMut(Report<'_>),
) -> std::io::Result<(std::process::ExitStatus, String, String)> {
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let mut stdout_pipe = child.stdout.take().expect("stdout is piped");
    // Read stdout beside stderr: a full pipe would stall the child.
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout_pipe.read_to_string(&mut text);
        text
    });
    let mut stderr = String::new();
    let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped"));
    let mut line = Vec::new();
    // Bytes, not `read_line`: a compiler message may quote a file that is not UTF-8.
    while lines.read_until(b'\n', &mut line)? > 0 {
        let text = String::from_utf8_lossy(&line);
        report(Report::Cargo(text.trim_end()));
        stderr.push_str(&text);
        line.clear();
    }
    let status = child.wait()?;
    Ok((status, stdout.join().unwrap_or_default(), stderr))
}

/// cargo's stderr without its progress lines (`Compiling x`, `Finished`, ...), which would push the
/// compiler's errors out of the tail.
fn without_progress(stderr: &str) -> String {
    const PROGRESS: &[&str] = &[
        "Compiling ",
        "Checking ",
        "Downloaded ",
        "Downloading ",
        "Locking ",
        "Updating ",
        "Blocking ",
        "Adding ",
        "Finished ",
    ];
    stderr
        .lines()
        .filter(|line| !PROGRESS.iter().any(|p| line.trim_start().starts_with(p)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The last lines of `text`, indented.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let start = lines.len().saturating_sub(TAIL_LINES);
    let mut shown: Vec<String> = lines[start..].iter().map(|l| format!("  {l}")).collect();
    if start > 0 {
        shown.insert(0, format!("  ... ({start} earlier lines)"));
    }
    shown.join("\n")
}
