//! TypeScript spelling: identifiers, string literals, JSDoc comments, indentation, and the names
//! a generated type must not take.

use std::collections::BTreeSet;

/// One level of indentation.
pub(super) const INDENT: &str = "  ";

/// Indentation for `level`.
pub(super) fn indent(level: usize) -> String {
    INDENT.repeat(level)
}

/// Whether `name` can stand bare as an identifier or a property name.
pub(super) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// `name` made into an identifier: other characters become `_`, a leading digit gets a `_`.
pub(super) fn sanitize_identifier(name: &str) -> String {
    let mut out: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '$' { c } else { '_' }).collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$') {
        out.insert(0, '_');
    }
    out
}

/// A property name, quoted when it is not an identifier.
pub(super) fn property_name(name: &str) -> String {
    if is_identifier(name) { name.to_owned() } else { string_literal(name) }
}

/// A single-quoted string literal.
pub(super) fn string_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A literal type for a JSON value (`const`/`enum` members).
pub(super) fn literal(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => Some("null".to_owned()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) => Some(string_literal(s)),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => None,
    }
}

/// Width of JSDoc text lines: longer single-line paragraphs are wrapped at spaces.
const DOC_WIDTH: usize = 100;

/// A JSDoc comment at `level` from paragraphs of text (empty paragraphs are dropped), or nothing.
/// A paragraph that is one long line (a generated sentence, a short doc) is wrapped; text that
/// already has line breaks (a Rust doc comment, perhaps with code) is kept as written.
pub(super) fn jsdoc(paragraphs: &[String], level: usize) -> String {
    let paragraphs: Vec<String> = paragraphs
        .iter()
        .map(|p| p.trim().replace("*/", "*\\/"))
        .filter(|p| !p.is_empty())
        .map(|p| if p.contains('\n') { p } else { wrap(&p, DOC_WIDTH) })
        .collect();
    if paragraphs.is_empty() {
        return String::new();
    }
    let pad = indent(level);
    if paragraphs.len() == 1 && !paragraphs[0].contains('\n') {
        return format!("{pad}/** {} */\n", paragraphs[0]);
    }
    let mut out = format!("{pad}/**\n");
    for (i, paragraph) in paragraphs.iter().enumerate() {
        if i > 0 {
            out.push_str(&format!("{pad} *\n"));
        }
        for line in paragraph.lines() {
            let line = line.trim_end();
            if line.is_empty() {
                out.push_str(&format!("{pad} *\n"));
            } else {
                out.push_str(&format!("{pad} * {line}\n"));
            }
        }
    }
    out.push_str(&format!("{pad} */\n"));
    out
}

/// `text` broken at spaces into lines of at most `width` characters (longer words stay whole).
fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines.join("\n")
}

/// Words a type name cannot be: TypeScript's keywords and built-in type names, and the global
/// types generated declarations use.
const RESERVED: &[&str] = &[
    "any",
    "as",
    "asserts",
    "async",
    "await",
    "bigint",
    "boolean",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "declare",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "from",
    "function",
    "get",
    "if",
    "implements",
    "import",
    "in",
    "infer",
    "instanceof",
    "interface",
    "is",
    "keyof",
    "let",
    "module",
    "namespace",
    "never",
    "new",
    "null",
    "number",
    "object",
    "of",
    "package",
    "private",
    "protected",
    "public",
    "readonly",
    "require",
    "return",
    "satisfies",
    "set",
    "static",
    "string",
    "super",
    "switch",
    "symbol",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "unique",
    "unknown",
    "var",
    "void",
    "while",
    "with",
    "yield",
    "Record",
];

/// The names a generated type must not take in a module that also holds `runtime`: the reserved
/// words, and every identifier the runtime's code uses (its own declarations, and the globals it
/// refers to, such as `Map`, `Promise` or `Error`: a type of that name would shadow them).
pub(super) fn taken_names(runtime: &str) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = RESERVED.iter().map(|s| (*s).to_owned()).collect();
    names.extend(code_identifiers(runtime));
    names
}

/// Identifiers of TypeScript code, skipping comments and the text of string literals.
fn code_identifiers(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            i = code[i..].find('\n').map_or(bytes.len(), |n| i + n);
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = code[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2);
        } else if c == b'\'' || c == b'"' || c == b'`' {
            i = skip_string(bytes, i);
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$') {
                i += 1;
            }
            names.insert(code[start..i].to_owned());
        } else {
            i += 1;
        }
    }
    names
}

/// The index just past the string literal starting at `start` (template literals are skipped
/// whole, `${...}` included: their identifiers are a subset of the code's anyway).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// A duration in milliseconds as a person writes it: `10 min`, `1 h`, `1500 ms`.
pub(crate) fn duration(ms: u64) -> String {
    for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)] {
        if ms >= size && ms.is_multiple_of(size) {
            return format!("{} {unit}", ms / size);
        }
    }
    format!("{ms} ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_escape_quotes_backslashes_and_line_breaks() {
        assert_eq!(string_literal("it's"), r"'it\'s'");
        assert_eq!(string_literal("a\\b\nc\u{2028}"), r"'a\\b\nc\u2028'");
        assert_eq!(string_literal("\u{1}"), r"'\u{1}'");
    }

    #[test]
    fn property_names_are_quoted_only_when_needed() {
        assert_eq!(property_name("camelCase"), "camelCase");
        assert_eq!(property_name("$ref"), "$ref");
        assert_eq!(property_name("kebab-case"), "'kebab-case'");
        assert_eq!(property_name("1st"), "'1st'");
        assert_eq!(property_name(""), "''");
    }

    #[test]
    fn identifiers_are_sanitized() {
        assert_eq!(sanitize_identifier("Wrapper_for_Foo"), "Wrapper_for_Foo");
        assert_eq!(sanitize_identifier("my-type"), "my_type");
        assert_eq!(sanitize_identifier("3d"), "_3d");
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration(600_000), "10 min");
        assert_eq!(duration(300_000), "5 min");
        assert_eq!(duration(7_200_000), "2 h");
        assert_eq!(duration(86_400_000), "1 d");
        assert_eq!(duration(90_000), "90 s");
        assert_eq!(duration(1500), "1500 ms");
        assert_eq!(duration(0), "0 ms");
    }

    #[test]
    fn jsdoc_closes_safely_and_keeps_paragraphs() {
        assert_eq!(jsdoc(&["one".into()], 1), "  /** one */\n");
        assert_eq!(jsdoc(&["a */ b".into()], 0), "/** a *\\/ b */\n");
        assert_eq!(jsdoc(&["a\n\nb".into(), "c".into()], 0), "/**\n * a\n *\n * b\n *\n * c\n */\n");
        assert_eq!(jsdoc(&[" ".into()], 0), "");
        let long = "word ".repeat(30);
        let doc = jsdoc(&[long], 1);
        assert!(doc.starts_with("  /**\n") && doc.lines().all(|l| l.len() <= 2 + 3 + DOC_WIDTH), "{doc}");
        assert_eq!(doc.matches("word").count(), 30);
    }

    #[test]
    fn runtime_identifiers_skip_comments_and_strings() {
        let names =
            code_identifiers("// Room\n/* Chat */ const a: Map<string, X> = new Map(); f('Lobby', \"Hall\", `Tpl`);");
        assert!(names.contains("Map") && names.contains("X") && names.contains("a") && names.contains("f"));
        for absent in ["Room", "Chat", "Lobby", "Hall", "Tpl"] {
            assert!(!names.contains(absent), "{absent} comes from a comment or a string");
        }
    }
}
