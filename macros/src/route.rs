//! Route validation at compile time, with the rules the runtime applies when it parses a route.

/// An example shown in every route error, so that the fix is one glance away.
pub(crate) const EXAMPLE: &str = "`/chat/:room`";

/// Checks a route pattern; `Err` holds the reason, phrased for an error message.
pub(crate) fn validate(route: &str) -> Result<(), String> {
    let Some(rest) = route.strip_prefix('/') else {
        return Err("a route must start with `/`".to_owned());
    };
    // A lone "/" is the root route; only non-empty paths are split into segments.
    if rest.is_empty() {
        return Ok(());
    }
    let mut params: Vec<&str> = Vec::new();
    for segment in rest.split('/') {
        if segment.is_empty() {
            return Err("a route may not contain an empty segment (`//` or a trailing `/`)".to_owned());
        }
        if let Some(param) = segment.strip_prefix(':') {
            if param.is_empty() || !param.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "`:` must be followed by a parameter name made of letters, digits and `_` (found `{segment}`)"
                ));
            }
            if params.contains(&param) {
                return Err(format!("parameter `:{param}` appears twice; give each parameter its own name"));
            }
            params.push(param);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(validate("/").is_ok());
        assert!(validate("/chat").is_ok());
        assert!(validate("/chat/:room/x/:user_1").is_ok());
        assert!(validate("chat").is_err());
        assert!(validate("").is_err());
        assert!(validate("/a//b").is_err());
        assert!(validate("/a/").is_err());
        assert!(validate("/a/:").is_err());
        assert!(validate("/a/:b-c").is_err());
        assert!(validate("/:a/:a").is_err());
    }
}
