//! The id of an envelope-mode call (PROTOCOL.md section 3), as the server writes it back.

use std::sync::Arc;

/// The id re-encoded, when it is a finite number or a valid string (PROTOCOL.md section 3).
/// Echoing the client's raw text could send back JSON that the client's own parser rejects
/// (`1e400`, a lone surrogate), so the server writes its own encoding.
/// Shared: the reply needs it, and so does the context of a handler that takes one.
pub(crate) fn canonical_id(raw: &str) -> Option<Arc<str>> {
    if is_canonical_id(raw) {
        return Some(Arc::from(raw));
    }
    reencoded(raw).map(Arc::from)
}

/// The id as serde_json writes it back, if it is a number or a string.
fn reencoded(raw: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(raw).ok()? {
        v @ (serde_json::Value::Number(_) | serde_json::Value::String(_)) => serde_json::to_string(&v).ok(),
        _ => None,
    }
}

/// Whether `raw` is an id that serde_json would write back as it is: an integer of at most 18
/// digits (every one fits in an `i64`; `-0` does not count, it reads as a float) or a string
/// without escapes. `raw` need not have been checked to be JSON: what this accepts is valid JSON.
/// The ids clients send almost always are; the others are re-encoded.
pub(crate) fn is_canonical_id(raw: &str) -> bool {
    match raw.as_bytes() {
        [b'"', inner @ .., b'"'] => inner.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\'),
        [b'0'] => true,
        [b'-', digits @ ..] | digits => {
            (1..=18).contains(&digits.len()) && digits[0] != b'0' && digits.iter().all(u8::is_ascii_digit)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_taken_as_written_are_the_ones_serde_json_writes_back_unchanged() {
        let ids = [
            "0",
            "7",
            "-7",
            "123456789012345678",
            "-123456789012345678",
            "9223372036854775807",
            "18446744073709551616",
            "-0",
            "1.0",
            "1e3",
            "1e400",
            r#""""#,
            r#""abc""#,
            r#""é ü ∑""#,
            r#""a\"b""#,
            r#""\u0041""#,
            r#""\ud800""#,
            r#""\n""#,
        ];
        for raw in ids {
            assert_eq!(canonical_id(raw).as_deref(), reencoded(raw).as_deref(), "{raw}");
            if is_canonical_id(raw) {
                assert_eq!(reencoded(raw).as_deref(), Some(raw), "{raw}");
            }
        }
        assert!(is_canonical_id("42") && is_canonical_id(r#""req-1""#));
        assert!(!is_canonical_id("-0") && !is_canonical_id("1234567890123456789"));
        // Not JSON: never taken as written.
        for raw in ["", "-", "01", "-01", "00", "1a", "\"", "\"a\\\"", "\"\u{1}\"", "\"a\"b\"", "+1", " 1"] {
            assert!(!is_canonical_id(raw), "{raw}");
        }
        assert_eq!(canonical_id("true"), None);
    }
}
