//! Helpers of the generator's suites: here for the CLI's own (`tests/asyncapi.rs`) and included
//! by path from the code generator's suite in the `wirechan-tests` package
//! (`tests/tests/codegen/support.rs`).

use std::path::Path;

use serde_json::Value;

/// Compares `generated` with the snapshot at `path`, or writes it with `UPDATE_SNAPSHOTS=1`.
pub fn compare_snapshot(path: &Path, generated: &str) -> Result<(), String> {
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        if std::fs::read_to_string(path).ok().as_deref() != Some(generated) {
            std::fs::write(path, generated).unwrap();
            eprintln!("updated {}", path.display());
        }
        return Ok(());
    }
    match wirechan_cli::check::compare(path, generated).unwrap() {
        wirechan_cli::check::Freshness::Fresh => Ok(()),
        wirechan_cli::check::Freshness::Missing => Err(format!("{}: missing", path.display())),
        wirechan_cli::check::Freshness::Stale { diff } => Err(format!("{}:\n{diff}", path.display())),
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

/// What is wrong with an AsyncAPI document that the parser would also refuse: a `$ref` that does
/// not resolve, a 2020-12 keyword that draft-07 does not know.
pub fn asyncapi_problems(document: &Value) -> Vec<String> {
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
