//! `--check`: is the file on disk exactly what the generator writes now?

use std::io;
use std::path::Path;

use similar::TextDiff;

/// How many lines of the diff a stale report shows.
const DIFF_LINES: usize = 60;

/// The file on disk compared with the generated text.
#[derive(Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Identical.
    Fresh,
    /// There is no file.
    Missing,
    /// They differ; `diff` is a unified diff from the file to the generated text, cut after a
    /// few dozen lines.
    Stale {
        /// The (possibly shortened) unified diff.
        diff: String,
    },
}

/// Compares the file at `path` with `generated`.
pub fn compare(path: &Path, generated: &str) -> io::Result<Freshness> {
    let on_disk = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Freshness::Missing),
        Err(e) => return Err(e),
    };
    if on_disk == generated {
        return Ok(Freshness::Fresh);
    }
    let shown = path.display().to_string();
    let diff = TextDiff::from_lines(&on_disk, generated)
        .unified_diff()
        .context_radius(2)
        .header(&format!("{shown} (on disk)"), &format!("{shown} (generated now)"))
        .to_string();
    Ok(Freshness::Stale { diff: shorten(&diff) })
}

fn shorten(diff: &str) -> String {
    let lines: Vec<&str> = diff.lines().collect();
    if lines.len() <= DIFF_LINES {
        return diff.trim_end().to_owned();
    }
    format!("{}\n... ({} more diff lines)", lines[..DIFF_LINES].join("\n"), lines.len() - DIFF_LINES)
}
