//! `wirechan`: the command line of wirechan.
//!
//! `wirechan manifest --package <p>` prints the manifest of a package's channels;
//! `wirechan ts --package <p> --out <file.ts> [--check]` writes (or checks) its TypeScript client;
//! `wirechan asyncapi --package <p> [--out <file.json>] [--check]` its AsyncAPI 3.0 document.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use wirechan_cli::check::{self, Freshness};
use wirechan_cli::export::{self, PackageRef};
use wirechan_cli::{asyncapi, ts};

/// Tools for wirechan channels.
#[derive(Parser)]
#[command(name = "wirechan", version, about)]
struct Cli {
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
    /// The cargo package whose `bootstrap!` lists the channels (a library or a binary crate).
    #[arg(long, short = 'p')]
    package: String,
    /// The workspace's `Cargo.toml`, when it is not the one of the current directory.
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
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Manifest { package } => {
            let manifest = export::read_manifest(&package.reference()).map_err(|e| e.to_string())?;
            let json = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
            println!("{json}");
            Ok(())
        }
        Command::Ts { package, out, check } => {
            let manifest = export::read_manifest(&package.reference()).map_err(|e| e.to_string())?;
            let module = ts::module(&manifest, &package.package).map_err(|e| e.to_string())?;
            if check { check_file("ts", &out, &module, &package) } else { write_file(&out, &module) }
        }
        Command::Asyncapi { package, out, check } => {
            let reference = package.reference();
            let manifest = export::read_manifest(&reference).map_err(|e| e.to_string())?;
            let info = export::package_info(&reference).map_err(|e| e.to_string())?;
            let document = asyncapi::document(&manifest, &info);
            match out {
                Some(out) if check => check_file("asyncapi", &out, &document, &package),
                Some(out) => write_file(&out, &document),
                None => {
                    print!("{document}");
                    Ok(())
                }
            }
        }
    }
}

fn check_file(command: &str, out: &Path, module: &str, package: &PackageArgs) -> Result<(), String> {
    let regenerate =
        format!("run `wirechan {command} --package {} --out {}` to regenerate it", package.package, out.display());
    match check::compare(out, module).map_err(|e| format!("cannot read {}: {e}", out.display()))? {
        Freshness::Fresh => {
            eprintln!("{} is up to date", out.display());
            Ok(())
        }
        Freshness::Missing => Err(format!("{} does not exist; {regenerate}", out.display())),
        Freshness::Stale { diff } => Err(format!(
            "{} is stale: it differs from what the channels generate now; {regenerate}\n{diff}",
            out.display()
        )),
    }
}

fn write_file(out: &Path, module: &str) -> Result<(), String> {
    if std::fs::read_to_string(out).is_ok_and(|current| current == module) {
        eprintln!("{} is up to date", out.display());
        return Ok(());
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(out, module).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}
