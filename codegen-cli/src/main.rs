//! `wirechan`: the command line of wirechan.
//!
//! `wirechan manifest` prints the manifest of a package's channels; `wirechan ts --out <file.ts>
//! [--check] [--strict]` writes (or checks) its TypeScript client; `wirechan asyncapi [--out
//! <file.json>] [--check]` its AsyncAPI 3.0 document. Each works on the package of the current
//! directory, or the one `--manifest-path` and `--package` name.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use wirechan_cli::check::{self, Freshness};
use wirechan_cli::export::{self, PackageRef, Report};
use wirechan_cli::{asyncapi, ts};

/// Tools for wirechan channels.
#[derive(Parser)]
#[command(name = "wirechan", version, about)]
struct Cli {
    /// Print nothing but errors, warnings and the output asked for: no progress, no "wrote" line.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the manifest (wiring and JSON Schemas) of a package's channels as JSON.
    Manifest {
        #[command(flatten)]
        package: PackageArgs,
    },
    /// Writes one self-contained TypeScript module: the client runtime, exact types and a typed
    /// `connect<Channel>` function for every channel of the package.
    Ts {
        #[command(flatten)]
        package: PackageArgs,
        /// The `.ts` file to write.
        #[arg(long)]
        out: PathBuf,
        /// Write nothing; exit with an error, showing what differs, if `--out` is not what would be
        /// written.
        #[arg(long)]
        check: bool,
        /// Refuse to write types that admit more than the Rust types do (each such place is
        /// otherwise a warning), and exit with an error.
        #[arg(long)]
        strict: bool,
    },
    /// Writes the AsyncAPI 3.0 document (JSON) of the package's channels: their routes, the
    /// frames of every action with their JSON Schemas, errors and publications.
    Asyncapi {
        #[command(flatten)]
        package: PackageArgs,
        /// The `.json` file to write; without it the document goes to standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; exit with an error, showing what differs, if `--out` is not what would be
        /// written.
        #[arg(long, requires = "out")]
        check: bool,
    },
}

#[derive(Args)]
struct PackageArgs {
    /// The cargo package whose `bootstrap!` lists the channels (a library or a binary crate);
    /// by default the package of `--manifest-path`, or of the current directory.
    #[arg(long, short = 'p')]
    package: Option<String>,
    /// The package's `Cargo.toml` (or its workspace's); by default cargo looks in the current
    /// directory and its parents.
    #[arg(long)]
    manifest_path: Option<PathBuf>,
}

impl PackageArgs {
    fn reference(&self) -> PackageRef {
        PackageRef { name: self.package.clone(), manifest_path: self.manifest_path.clone() }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command, cli.quiet) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command, quiet: bool) -> Result<(), String> {
    let say = |line: &str| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    match command {
        Command::Manifest { package } => {
            let manifest = read_manifest(&package, quiet)?;
            let json = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
            println!("{json}");
            Ok(())
        }
        Command::Ts { package, out, check, strict } => {
            let manifest = read_manifest(&package, quiet)?;
            let name = package_info(&package)?.name;
            let generated = ts::generate(&manifest, &name).map_err(|e| e.to_string())?;
            for approximation in &generated.approximations {
                eprintln!("warning: {approximation}");
            }
            if strict && !generated.approximations.is_empty() {
                return Err(format!(
                    "{} place(s) where the TypeScript types would admit more than the Rust types (above); nothing \
                     was written. Without `--strict` these are warnings",
                    generated.approximations.len()
                ));
            }
            let hint = Hint { command: "ts", package: &package, out: &out, strict };
            if check { check_file(&out, &generated.text, &hint, say) } else { write_file(&out, &generated.text, say) }
        }
        Command::Asyncapi { package, out, check } => {
            let manifest = read_manifest(&package, quiet)?;
            let info = package_info(&package)?;
            let document = asyncapi::document(&manifest, &info);
            match out {
                Some(out) if check => check_file(
                    &out,
                    &document,
                    &Hint { command: "asyncapi", package: &package, out: &out, strict: false },
                    say,
                ),
                Some(out) => write_file(&out, &document, say),
                None => {
                    print!("{document}");
                    Ok(())
                }
            }
        }
    }
}

fn package_info(package: &PackageArgs) -> Result<asyncapi::PackageInfo, String> {
    export::package_info(&package.reference()).map_err(|e| e.to_string())
}

/// Reads the manifest, showing progress on a terminal: a line per step and cargo's current line.
fn read_manifest(package: &PackageArgs, quiet: bool) -> Result<wirechan_manifest::Manifest, String> {
    let mut progress = ProgressLine { on: !quiet && std::io::stderr().is_terminal(), shown: false };
    let started = Instant::now();
    let result = export::read_manifest_with(&package.reference(), &mut |report| progress.report(report));
    progress.clear();
    let manifest = result.map_err(|e| e.to_string())?;
    if progress.on {
        eprintln!("read {} channel(s) in {:.1}s", manifest.channels.len(), started.elapsed().as_secs_f64());
    }
    Ok(manifest)
}

/// The status line of a terminal: each step on a line of its own, cargo's latest line in place.
struct ProgressLine {
    on: bool,
    /// A cargo line is on screen, to be erased before anything else is written.
    shown: bool,
}

impl ProgressLine {
    /// Widest cargo line shown, so that it never wraps on a narrow terminal.
    const WIDTH: usize = 76;

    fn report(&mut self, report: Report<'_>) {
        if !self.on {
            return;
        }
        match report {
            Report::Stage(stage) => {
                self.clear();
                eprintln!("{stage}...");
            }
            Report::Cargo(line) => {
                let line: String = line.trim().chars().take(Self::WIDTH).collect();
                if !line.is_empty() {
                    eprint!("\r\x1b[2K  {line}");
                    self.shown = true;
                }
            }
        }
    }

    fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[2K");
            self.shown = false;
        }
    }
}

/// The command that writes `out`, as the user must type it: with `cargo run` inside this
/// repository, `wirechan` once installed, and the options that found the package.
struct Hint<'a> {
    command: &'a str,
    package: &'a PackageArgs,
    out: &'a Path,
    strict: bool,
}

impl std::fmt::Display for Hint<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", program(), self.command)?;
        if let Some(path) = &self.package.manifest_path {
            write!(f, " --manifest-path {}", shell_word(&path.display().to_string()))?;
        }
        if let Some(name) = &self.package.package {
            write!(f, " --package {}", shell_word(name))?;
        }
        write!(f, " --out {}", shell_word(&self.out.display().to_string()))?;
        if self.strict {
            f.write_str(" --strict")?;
        }
        Ok(())
    }
}

/// `cargo run -p wirechan-cli --` when cargo runs this binary from its build folder (cargo sets
/// `CARGO_PKG_NAME` for what it runs), else `wirechan`.
fn program() -> &'static str {
    let from_cargo = std::env::var_os("CARGO_PKG_NAME").is_some_and(|name| name == env!("CARGO_PKG_NAME"));
    let from_build_folder = std::env::current_exe()
        .is_ok_and(|exe| exe.components().any(|c| c.as_os_str() == "target") && exe.parent().is_some());
    if from_cargo && from_build_folder { "cargo run -p wirechan-cli --" } else { "wirechan" }
}

/// `word` quoted for a POSIX shell when it needs to be.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,%".contains(c));
    if plain { word.to_owned() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

fn check_file(out: &Path, module: &str, hint: &Hint<'_>, say: impl Fn(&str)) -> Result<(), String> {
    let regenerate = format!("run `{hint}` to regenerate it");
    match check::compare(out, module).map_err(|e| format!("cannot read {}: {e}", out.display()))? {
        Freshness::Fresh => {
            say(&format!("{} is up to date", out.display()));
            Ok(())
        }
        Freshness::Missing => Err(format!("{} does not exist; {regenerate}", out.display())),
        Freshness::Stale { diff } => Err(format!(
            "{} is stale: it differs from what the channels generate now; {regenerate}\n{diff}",
            out.display()
        )),
    }
}

fn write_file(out: &Path, module: &str, say: impl Fn(&str)) -> Result<(), String> {
    if std::fs::read_to_string(out).is_ok_and(|current| current == module) {
        say(&format!("{} is up to date", out.display()));
        return Ok(());
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(out, module).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    say(&format!("wrote {}", out.display()));
    Ok(())
}
