//! Route patterns: a path with optional `:params` (`/chat/:room`).

use std::borrow::Cow;

/// A parsed route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoutePattern {
    raw: &'static str,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(&'static str),
    Param(&'static str),
}

/// Why a route pattern is invalid (the macro reports the same rules at compile time).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RouteError {
    #[error("a route must start with `/`")]
    NoLeadingSlash,
    #[error("a route may not contain an empty segment (`//`)")]
    EmptySegment,
    #[error("`:` must be followed by a parameter name made of letters, digits and `_`")]
    BadParam,
    #[error("parameter `{0}` appears twice")]
    DuplicateParam(String),
}

impl RoutePattern {
    pub(crate) fn parse(raw: &'static str) -> Result<Self, RouteError> {
        let rest = raw.strip_prefix('/').ok_or(RouteError::NoLeadingSlash)?;
        let mut segments = Vec::new();
        if !rest.is_empty() {
            for seg in rest.split('/') {
                if seg.is_empty() {
                    return Err(RouteError::EmptySegment);
                }
                if let Some(name) = seg.strip_prefix(':') {
                    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        return Err(RouteError::BadParam);
                    }
                    if segments.contains(&Segment::Param(name)) {
                        return Err(RouteError::DuplicateParam(name.to_owned()));
                    }
                    segments.push(Segment::Param(name));
                } else {
                    segments.push(Segment::Literal(seg));
                }
            }
        }
        Ok(Self { raw, segments })
    }

    pub(crate) fn as_str(&self) -> &'static str {
        self.raw
    }

    /// Matches a request path; returns the decoded params.
    pub(crate) fn matches<'p>(&self, path: &'p str) -> Option<Vec<(&'static str, Cow<'p, str>)>> {
        let rest = path.strip_prefix('/')?;
        let mut params = Vec::new();
        let mut parts = if rest.is_empty() { None } else { Some(rest.split('/')) };
        for seg in &self.segments {
            let part = parts.as_mut()?.next()?;
            match seg {
                Segment::Literal(lit) => {
                    if part != *lit {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    if part.is_empty() {
                        return None;
                    }
                    let value = percent_encoding::percent_decode_str(part).decode_utf8().ok()?;
                    params.push((*name, value));
                }
            }
        }
        match parts.as_mut().and_then(Iterator::next) {
            // A single trailing slash is tolerated: `/chat/` serves `/chat`.
            Some("") if parts.as_mut().and_then(Iterator::next).is_none() => Some(params),
            Some(_) => None,
            None => Some(params),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let r = RoutePattern::parse("/chat/:room").unwrap();
        let m = r.matches("/chat/gen%20eral").unwrap();
        assert_eq!(m[0].1, "gen eral");
        assert!(r.matches("/chat").is_none());
        assert!(r.matches("/chat/a/b").is_none());
        assert!(r.matches("/chat/a/").is_some());
        assert!(RoutePattern::parse("/").unwrap().matches("/").is_some());
        assert!(RoutePattern::parse("/").unwrap().matches("/x").is_none());
        assert_eq!(RoutePattern::parse("chat"), Err(RouteError::NoLeadingSlash));
        assert_eq!(RoutePattern::parse("/a//b"), Err(RouteError::EmptySegment));
        assert_eq!(RoutePattern::parse("/a/:"), Err(RouteError::BadParam));
        assert!(matches!(RoutePattern::parse("/:a/:a"), Err(RouteError::DuplicateParam(_))));
    }
}
