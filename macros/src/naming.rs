//! Rust names derived from the strings of a channel: module names and enum variant names.

/// `PascalCase` of an action or routing-key name: `sendMessage` → `SendMessage`,
/// `send_message` and `"send-message"` → `SendMessage`.
///
/// Words are split at characters that cannot appear in an identifier; within a word only the
/// first letter changes, so `sendMessage` keeps its inner capital. The result is always a valid
/// identifier (empty when `name` has no ASCII letter or digit; `_`-prefixed before a digit).
pub(crate) fn pascal_case(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    // `Self` is the only keyword that PascalCase can produce.
    if out == "Self" {
        out.push('_');
    }
    out
}

/// The default module name of a channel: lowercase, every other character than an ASCII letter
/// or digit becomes `_`, and a leading digit gets a `_` prefix (`"Chat Room"` → `chat_room`).
pub(crate) fn snake_case(name: &str) -> String {
    let mut out: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Whether `name` can be written as a plain identifier (not a keyword, not `_`).
pub(crate) fn is_plain_ident(name: &str) -> bool {
    syn::parse_str::<syn::Ident>(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal() {
        assert_eq!(pascal_case("sendMessage"), "SendMessage");
        assert_eq!(pascal_case("send_message"), "SendMessage");
        assert_eq!(pascal_case("kebab-name"), "KebabName");
        assert_eq!(pascal_case("type"), "Type");
        assert_eq!(pascal_case("2fa"), "_2fa");
        assert_eq!(pascal_case("self"), "Self_");
        assert_eq!(pascal_case("--"), "");
    }

    #[test]
    fn snake() {
        assert_eq!(snake_case("chat"), "chat");
        assert_eq!(snake_case("Chat Room"), "chat_room");
        assert_eq!(snake_case("chat-v2"), "chat_v2");
        assert_eq!(snake_case("1on1"), "_1on1");
        assert!(is_plain_ident("chat_room"));
        assert!(!is_plain_ident("type"));
        assert!(!is_plain_ident("_"));
        assert!(!is_plain_ident(""));
    }
}
