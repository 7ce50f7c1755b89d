//! A channel's routing keys, each with a searcher for its quoted name (`"action"`) built once:
//! flat mode asks of every frame's input and every reply whether it mentions a routing key, and
//! a prebuilt searcher answers that on a short text several times faster than a scan that has
//! to set itself up per call.

use memchr::memmem::Finder;

/// The routing keys of one channel, in declaration order.
pub(crate) struct RoutingKeys {
    names: &'static [&'static str],
    quoted: Vec<Finder<'static>>,
    /// A key is named `id` or `data`, like a member of the envelope.
    names_envelope_member: bool,
}

impl RoutingKeys {
    pub(crate) fn new(names: &'static [&'static str]) -> Self {
        let quoted = names.iter().map(|key| Finder::new(format!("\"{key}\"").as_bytes()).into_owned()).collect();
        let names_envelope_member = names.iter().any(|key| matches!(*key, "id" | "data"));
        Self { names, quoted, names_envelope_member }
    }

    /// The keys' names.
    pub(crate) fn names(&self) -> &'static [&'static str] {
        self.names
    }

    /// Whether a key is named like a member of the envelope (`id`, `data`).
    pub(crate) fn names_envelope_member(&self) -> bool {
        self.names_envelope_member
    }

    /// Whether `json` has the string `"<key>"` for any of the keys.
    pub(crate) fn any_mentioned_in(&self, json: &str) -> bool {
        self.quoted.iter().any(|finder| finder.find(json.as_bytes()).is_some())
    }

    /// Whether `json` has the string `"<key>"`; `key` is usually one of these keys.
    pub(crate) fn mentioned_in(&self, key: &str, json: &str) -> bool {
        match self.names.iter().position(|name| *name == key) {
            Some(i) => self.quoted[i].find(json.as_bytes()).is_some(),
            None => mentions_quoted(json, key),
        }
    }
}

/// Whether `json` has the string `"<key>"`, for a key without a prebuilt searcher.
pub(crate) fn mentions_quoted(json: &str, key: &str) -> bool {
    json.contains(&format!("\"{key}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_mentioned_only_as_a_whole_quoted_string() {
        let keys = RoutingKeys::new(&["action", "type"]);
        assert!(keys.any_mentioned_in(r#"{"a":1,"type":2}"#));
        assert!(keys.any_mentioned_in(r#"{"a":"action"}"#));
        assert!(!keys.any_mentioned_in(r#"{"actions":1,"typed":"types"}"#));
        assert!(keys.mentioned_in("type", r#"["type"]"#));
        assert!(!keys.mentioned_in("action", r#"["type"]"#));
        assert!(keys.mentioned_in("other", r#"{"other":1}"#));
        assert!(!keys.mentioned_in("other", r#"{"others":1}"#));
    }
}
