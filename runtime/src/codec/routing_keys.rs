//! A channel's routing keys, each with a searcher for its quoted name (`"action"`) built once:
//! flat mode asks of every frame's input and every reply whether it may have a member named like
//! a routing key, and a prebuilt searcher answers that on a short text several times faster than
//! a scan that has to set itself up per call. "May": the test is on the text, so a mere mention
//! of the name counts, and so does an escape that could spell it (`"\u0061ction"`); a text that
//! may name a key takes the way that parses it.

use memchr::memmem::Finder;

/// The routing keys of one channel, in declaration order.
pub(crate) struct RoutingKeys {
    names: &'static [&'static str],
    quoted: Vec<Finder<'static>>,
    /// A key is named `id` or `data`, like a member of the envelope.
    names_envelope_member: bool,
    /// What starts an escape that could spell a key's character: `\u`, or any `\` when a key
    /// has a character with a short escape (`"`, `\`, `/`, a control character).
    escape: Finder<'static>,
}

impl RoutingKeys {
    pub(crate) fn new(names: &'static [&'static str]) -> Self {
        let quoted = names.iter().map(|key| Finder::new(format!("\"{key}\"").as_bytes()).into_owned()).collect();
        let names_envelope_member = names.iter().any(|key| matches!(*key, "id" | "data"));
        let escape = if names.iter().any(|key| !unicode_escape_only(key)) { "\\" } else { "\\u" };
        Self { names, quoted, names_envelope_member, escape: Finder::new(escape.as_bytes()).into_owned() }
    }

    /// The keys' names.
    pub(crate) fn names(&self) -> &'static [&'static str] {
        self.names
    }

    /// Whether a key is named like a member of the envelope (`id`, `data`).
    pub(crate) fn names_envelope_member(&self) -> bool {
        self.names_envelope_member
    }

    /// Whether the JSON text `json` may have a member named like any of the keys.
    pub(crate) fn may_name_any(&self, json: &str) -> bool {
        self.quoted.iter().any(|finder| finder.find(json.as_bytes()).is_some()) || self.has_escape(json)
    }

    /// Whether the JSON text `json` may have a member named `key`, usually one of these keys.
    pub(crate) fn may_name(&self, key: &str, json: &str) -> bool {
        match self.names.iter().position(|name| *name == key) {
            Some(i) => self.quoted[i].find(json.as_bytes()).is_some() || self.has_escape(json),
            None => may_name_quoted(json, key),
        }
    }

    fn has_escape(&self, json: &str) -> bool {
        self.escape.find(json.as_bytes()).is_some()
    }
}

/// Whether the JSON text `json` may have a member named `key`, for a key without a prebuilt
/// searcher.
pub(crate) fn may_name_quoted(json: &str, key: &str) -> bool {
    let escape = if unicode_escape_only(key) { "\\u" } else { "\\" };
    json.contains(&format!("\"{key}\"")) || json.contains(escape)
}

/// Whether every character of `key` can be escaped in JSON only as `\uXXXX`.
fn unicode_escape_only(key: &str) -> bool {
    key.chars().all(|c| c >= '\u{20}' && !matches!(c, '"' | '\\' | '/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_named_as_a_whole_quoted_string_or_through_an_escape() {
        let keys = RoutingKeys::new(&["action", "type"]);
        assert!(keys.may_name_any(r#"{"a":1,"type":2}"#));
        assert!(keys.may_name_any(r#"{"a":"action"}"#));
        assert!(!keys.may_name_any(r#"{"actions":1,"typed":"types"}"#));
        assert!(keys.may_name("type", r#"["type"]"#));
        assert!(!keys.may_name("action", r#"["type"]"#));
        assert!(keys.may_name("other", r#"{"other":1}"#));
        assert!(!keys.may_name("other", r#"{"others":1}"#));
        // An escape may spell a key: the text is then parsed.
        assert!(keys.may_name_any(r#"{"\u0061ction":1}"#));
        assert!(keys.may_name("action", r#"{"\u0061ction":1}"#));
        assert!(keys.may_name("other", r#"{"\u006fther":1}"#));
        // Short escapes cannot spell a letter.
        assert!(!keys.may_name_any(r#"{"text":"say \"hi\"\n"}"#));
        // They can spell a key that holds such a character.
        let slashed = RoutingKeys::new(&["a/b"]);
        assert!(slashed.may_name_any(r#"{"a\/b":1}"#));
        assert!(may_name_quoted(r#"{"a\/b":1}"#, "a/b"));
    }
}
