//! Keys that must be unique within one map of the document, and short summaries of doc comments.

use std::collections::BTreeSet;

/// The keys taken in one map.
#[derive(Default)]
pub(super) struct Names(BTreeSet<String>);

impl<I: IntoIterator<Item = String>> From<I> for Names {
    fn from(taken: I) -> Self {
        Self(taken.into_iter().collect())
    }
}

impl Names {
    /// `wanted`, or `wanted2`, `wanted3`, ... if taken; the key is taken from now on.
    pub(super) fn claim(&mut self, wanted: &str) -> String {
        let name = if self.0.contains(wanted) {
            (2..).map(|i| format!("{wanted}{i}")).find(|n| !self.0.contains(n)).unwrap_or_default()
        } else {
            wanted.to_owned()
        };
        self.0.insert(name.clone());
        name
    }
}

/// The first paragraph of a doc comment on one line, or `None` for an empty one.
pub(super) fn summary(doc: &str) -> Option<String> {
    let first = doc.trim().split("\n\n").next()?;
    let line = first.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty()).then_some(line)
}
