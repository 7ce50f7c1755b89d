//! Snapshot and round-trip tests of the TypeScript generator.
//!
//! Each folder of `tests/data/` is one serde feature: `input.rs` holds Rust types wired into a
//! channel (compiled here, so the manifest comes from the real macros), `output.ts` the generated
//! declarations (the part of the module after the client runtime), checked in. Regenerate them
//! with `UPDATE_SNAPSHOTS=1 cargo test -p wirechan-tests --test codegen`, then read the diff.
//! `asyncapi.json` beside them is the case's AsyncAPI document, kept the same way.
//!
//! The round trip writes every case's whole generated module next to a file of samples, values
//! that Rust serialized or that serde accepts or refuses (checked when the sample is made), and
//! type-checks them with `tsc --strict --noEmit`: accepted values must compile, the others carry
//! `@ts-expect-error`, which fails when the value compiles.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use super::support::{Case, asyncapi_problems, compare_snapshot, tests_dir, type_check};
use wirechan_cli::asyncapi::{self, PackageInfo};
use wirechan_cli::ts;

macro_rules! cases {
    ($($name:ident: $path:literal),* $(,)?) => {
        $(
            #[path = $path]
            mod $name;
        )*

        fn cases() -> Vec<Case> {
            vec![$(Case { name: stringify!($name), manifest: $name::bootstrap::manifest(), samples: $name::samples() }),*]
        }
    };
}

cases!(
    options: "../../codegen/data/options/input.rs",
    defaults: "../../codegen/data/defaults/input.rs",
    skip_serializing: "../../codegen/data/skip_serializing/input.rs",
    rename: "../../codegen/data/rename/input.rs",
    enum_external: "../../codegen/data/enum_external/input.rs",
    enum_internal: "../../codegen/data/enum_internal/input.rs",
    enum_adjacent: "../../codegen/data/enum_adjacent/input.rs",
    enum_untagged: "../../codegen/data/enum_untagged/input.rs",
    flatten: "../../codegen/data/flatten/input.rs",
    maps: "../../codegen/data/maps/input.rs",
    tuples: "../../codegen/data/tuples/input.rs",
    newtypes: "../../codegen/data/newtypes/input.rs",
    unit_structs: "../../codegen/data/unit_structs/input.rs",
    json_value: "../../codegen/data/json_value/input.rs",
    integers: "../../codegen/data/integers/input.rs",
    recursive: "../../codegen/data/recursive/input.rs",
    external_types: "../../codegen/data/external_types/input.rs",
    docs: "../../codegen/data/docs/input.rs",
    directions: "../../codegen/data/directions/input.rs",
    channels: "../../codegen/data/channels/input.rs",
    collisions: "../../codegen/data/collisions/input.rs",
    topics: "../../codegen/data/topics/input.rs",
    corpus: "../../codegen/data/corpus/input.rs",
);

#[test]
fn every_case_folder_is_a_case() {
    let listed: BTreeSet<&str> = cases().iter().map(|c| c.name).collect();
    let folders: BTreeSet<String> = std::fs::read_dir(tests_dir().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let folders: BTreeSet<&str> = folders.iter().map(String::as_str).collect();
    assert_eq!(listed, folders, "every folder of tests/data is listed in `cases!`, and only those");
}

#[test]
fn snapshots_are_up_to_date() {
    let mut stale = Vec::new();
    for case in cases() {
        let generated = ts::declarations(&case.manifest).unwrap_or_else(|e| panic!("case `{}`: {e}", case.name));
        if let Err(diff) = compare_snapshot(&tests_dir().join("data").join(case.name).join("output.ts"), &generated) {
            stale.push(diff);
        }
    }
    assert!(
        stale.is_empty(),
        "generated TypeScript differs from the snapshots (rerun with UPDATE_SNAPSHOTS=1 if the change is right):\n{}",
        stale.join("\n\n")
    );
}

#[test]
fn asyncapi_documents_are_up_to_date_and_resolve() {
    let mut stale = Vec::new();
    for case in cases() {
        let package = PackageInfo { name: case.name.to_owned(), version: "0.0.0".to_owned(), description: None };
        let generated = asyncapi::document(&case.manifest, &package);
        let document: serde_json::Value = serde_json::from_str(&generated).unwrap();
        let problems = asyncapi_problems(&document);
        assert!(problems.is_empty(), "case `{}`:\n{}", case.name, problems.join("\n"));
        if let Err(diff) = compare_snapshot(&tests_dir().join("data").join(case.name).join("asyncapi.json"), &generated)
        {
            stale.push(diff);
        }
    }
    assert!(
        stale.is_empty(),
        "generated AsyncAPI differs from the snapshots (rerun with UPDATE_SNAPSHOTS=1 if the change is right):\n{}",
        stale.join("\n\n")
    );
}

#[test]
fn rust_values_type_check_against_the_generated_types() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("codegen-roundtrip");
    let (files, counts) = write_round_trip(&dir, &cases(), |module| module);
    assert!(counts.0 > 100 && counts.1 > 50, "the cases have samples both ways: {counts:?}");
    if let Err(report) = type_check(&dir, &files) {
        panic!("tsc disagrees with serde (files in {}):\n{report}", dir.display());
    }
}

#[test]
fn the_corpus_approximates_only_what_it_declares() {
    let corpus = cases().into_iter().find(|c| c.name == "corpus").unwrap();
    let generated = ts::generate(&corpus.manifest, "corpus").unwrap();
    let found: Vec<String> = generated.approximations.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), corpus::APPROXIMATIONS.len(), "{found:#?}");
    for (found, expected) in found.iter().zip(corpus::APPROXIMATIONS) {
        assert!(found.contains(expected), "`{found}` should say `{expected}`");
        assert!(found.starts_with("channel `corpus`"), "names where: {found}");
    }
    for case in cases().iter().filter(|c| c.name != "corpus") {
        let generated = ts::generate(&case.manifest, case.name).unwrap();
        assert!(generated.approximations.is_empty(), "case `{}`: {:#?}", case.name, generated.approximations);
    }
}

/// The corpus must catch a generator that is wrong: each of these breaks of the generated types
/// makes some sample disagree with tsc.
#[test]
fn the_corpus_fails_when_the_generator_is_broken() {
    let corpus: Vec<Case> = cases().into_iter().filter(|c| c.name == "corpus").collect();
    type Break = fn(String) -> String;
    let breaks: [(&str, Break); 4] = [
        ("optional members made required", |m| m.replace("?: ", ": ")),
        ("required members made optional", |m| m.replace("  name: string;", "  name?: string;")),
        ("fixed-size arrays made lists", |m| m.replace("FixedArray<number, 32>", "number[]")),
        ("nullable members made not nullable", |m| m.replace("string | null", "string")),
    ];
    for (what, break_it) in breaks {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("codegen-corpus-broken");
        let (files, _) = write_round_trip(&dir, &corpus, break_it);
        assert!(type_check(&dir, &files).is_err(), "the corpus passes with {what}");
    }
}

/// Writes each case's module (its types passed through `edit`) and its samples into `dir`; returns the files
/// and the numbers of accepted and refused samples.
fn write_round_trip(dir: &Path, cases: &[Case], edit: impl Fn(String) -> String) -> (Vec<String>, (usize, usize)) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let mut files = Vec::new();
    let mut counts = (0, 0);
    for case in cases {
        let module = ts::module(&case.manifest, case.name).unwrap_or_else(|e| panic!("case `{}`: {e}", case.name));
        // Only the generated types are edited: the client runtime above them is not generated.
        let (runtime, types) = module.split_at(module.find("// ---- types ----").expect("the module has types"));
        std::fs::write(dir.join(format!("{}.ts", case.name)), format!("{runtime}{}", edit(types.to_owned()))).unwrap();
        let mut samples = format!(
            "// Samples of the `{}` case: each must type-check exactly when serde agrees with it.\n\
             import type * as M from './{}';\n\n",
            case.name, case.name
        );
        for (i, sample) in case.samples.iter().enumerate() {
            writeln!(samples, "// {}", sample.why).unwrap();
            if sample.accepted {
                counts.0 += 1;
            } else {
                counts.1 += 1;
                samples.push_str("// @ts-expect-error\n");
            }
            writeln!(samples, "export const sample{i}: {} = {};\n", sample.target, sample.value).unwrap();
        }
        let name = format!("{}.samples.ts", case.name);
        std::fs::write(dir.join(&name), samples).unwrap();
        files.push(format!("{}.ts", case.name));
        files.push(name);
    }
    (files, counts)
}
