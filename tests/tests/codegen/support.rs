//! What the snapshot and round-trip tests share: the cases, their samples, running tsc, comparing
//! a generated file with its snapshot, and the checks of an AsyncAPI document.
//!
//! A sample is a value for one position of a generated channel spec (an action's input or output,
//! the opening data, the connect frame) together with what Rust says about it. Each constructor
//! checks the Rust side when the sample is made, so a sample can only claim what serde really
//! does; the round-trip test then checks that TypeScript agrees.

#![allow(dead_code)] // Each test binary uses a part of this module.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One fixture: the manifest of its channels and its samples.
pub struct Case {
    /// The folder under `tests/data/`.
    pub name: &'static str,
    /// What `bootstrap::manifest()` of the case returns.
    pub manifest: wirechan::Manifest,
    /// Values and what TypeScript must say about them.
    pub samples: Vec<Sample>,
}

/// A value and whether the generated type must accept it.
pub struct Sample {
    /// A TypeScript type, in terms of the module imported as `M` (e.g. `M.FooChannel['connect']`).
    pub target: String,
    /// A TypeScript expression (JSON, or `undefined`).
    pub value: String,
    /// Whether it must type-check.
    pub accepted: bool,
    /// Where it comes from, as a comment in the generated test file.
    pub why: String,
}

/// The input of `action` of the channel spec `spec`.
pub fn input(spec: &str, action: &str) -> String {
    format!("M.{spec}['actions']['{action}']['input']")
}

/// The output of `action` of the channel spec `spec`.
pub fn output(spec: &str, action: &str) -> String {
    format!("M.{spec}['actions']['{action}']['output']")
}

/// The opening data of `spec`.
pub fn opening(spec: &str) -> String {
    format!("M.{spec}['openingData']")
}

/// The connect frame of `spec`.
pub fn connect(spec: &str) -> String {
    format!("M.{spec}['connect']")
}

impl Sample {
    /// What the server sends for `value`: serialized by serde, so the type must accept it.
    pub fn sent<T: Serialize + std::fmt::Debug>(target: String, value: &T) -> Self {
        // `to_string`, as the server writes: `to_value` cannot hold a `u128` above `u64::MAX`.
        let json = serde_json::to_string(value).expect("fixture values serialize");
        Self { target, value: json, accepted: true, why: format!("serde serializes {value:?}") }
    }

    /// JSON the server accepts: it must deserialize into `T` here, and type-check there.
    pub fn accepted<T: DeserializeOwned>(target: String, json: Value) -> Self {
        if let Err(e) = serde_json::from_value::<T>(json.clone()) {
            panic!("the sample {json} must deserialize into {}: {e}", std::any::type_name::<T>());
        }
        Self { target, value: json.to_string(), accepted: true, why: "serde deserializes it".to_owned() }
    }

    /// JSON the server refuses: it must not deserialize into `T` here, and must not type-check
    /// there.
    pub fn refused<T: DeserializeOwned + std::fmt::Debug>(target: String, json: Value, why: &str) -> Self {
        if let Ok(value) = serde_json::from_value::<T>(json.clone()) {
            panic!("the sample {json} must not deserialize into {}, but gave {value:?}", std::any::type_name::<T>());
        }
        Self { target, value: json.to_string(), accepted: false, why: format!("serde refuses it: {why}") }
    }

    /// JSON the server never sends: serde either refuses it or, reading it, writes something else
    /// (e.g. a defaulted field that serialization always includes). It must not type-check.
    pub fn never_sent<T: DeserializeOwned + Serialize>(target: String, json: Value, why: &str) -> Self {
        if let Ok(value) = serde_json::from_value::<T>(json.clone()) {
            let written = serde_json::to_value(&value).expect("fixture values serialize");
            assert_ne!(written, json, "serde writes exactly {json}, so the server may send it");
        }
        Self { target, value: json.to_string(), accepted: false, why: format!("serde never writes it: {why}") }
    }

    /// A TypeScript expression that is not JSON (`undefined` for a unit), with the expectation.
    pub fn ts(target: String, value: &str, accepted: bool, why: &str) -> Self {
        Self { target, value: value.to_owned(), accepted, why: why.to_owned() }
    }
}

/// `tests/codegen`: the cases, the TypeScript package and the AsyncAPI validator.
pub fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("codegen")
}

/// `tsc` installed by `scripts/ensure/typescript-codegen`.
pub fn tsc() -> PathBuf {
    let tsc = tests_dir().join("ts/node_modules/typescript/bin/tsc");
    assert!(
        tsc.exists(),
        "TypeScript is not installed for the codegen tests ({} is missing): run scripts/ensure/typescript-codegen",
        tsc.display()
    );
    tsc
}

/// Runs `tsc --strict --noEmit` on `files` (in `dir`); returns tsc's report when it fails.
pub fn type_check(dir: &Path, files: &[String]) -> Result<(), String> {
    let config = serde_json::json!({
        "compilerOptions": {
            "strict": true,
            "noEmit": true,
            "target": "es2022",
            "lib": ["es2022"],
            "module": "esnext",
            "moduleResolution": "bundler",
            "types": [],
            "noUnusedLocals": false,
        },
        "files": files,
    });
    std::fs::write(dir.join("tsconfig.json"), serde_json::to_string_pretty(&config).unwrap()).unwrap();
    let output = Command::new("node")
        .arg(tsc())
        .args(["--strict", "--noEmit", "--pretty", "false", "-p"])
        .arg(dir.join("tsconfig.json"))
        .output()
        .expect("node runs (Node 20+ is required)");
    if output.status.success() {
        return Ok(());
    }
    Err(format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)))
}

// Shared with the CLI's own suite (`codegen-cli/tests/asyncapi.rs`), which runs the binary.
#[path = "../../../codegen-cli/tests/shared/mod.rs"]
mod shared;
pub use shared::{asyncapi_problems, compare_snapshot};
