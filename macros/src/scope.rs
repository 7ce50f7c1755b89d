//! Moving the user's paths into a generated child module.
//!
//! `wire_channel!` and `bootstrap!` emit a module that starts with `use super::*`, so a relative
//! path (`send_message`, `handlers::join`, `Room`) still resolves there, and so do `crate::…`
//! and `::…`. Only `self::` and `super::` change meaning one module down: `self::x` becomes
//! `super::x` and `super::x` becomes `super::super::x`.

use proc_macro2::Ident;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Path, PathSegment, Type};

/// `path`, rewritten to mean the same thing inside a generated child module.
pub(crate) fn path(path: &Path) -> Path {
    let mut path = path.clone();
    IntoChild.visit_path_mut(&mut path);
    path
}

/// `ty`, with every path in it rewritten to mean the same thing inside a generated child module.
pub(crate) fn ty(ty: &Type) -> Type {
    let mut ty = ty.clone();
    IntoChild.visit_type_mut(&mut ty);
    ty
}

/// `expr`, with every path in it rewritten to mean the same thing inside a generated child
/// module (paths inside macro invocations are left as written).
pub(crate) fn expr(expr: &Expr) -> Expr {
    let mut expr = expr.clone();
    IntoChild.visit_expr_mut(&mut expr);
    expr
}

/// Whether `path` is resolved through the generated module's `use super::*` (rather than from
/// the crate root, an extern crate, or explicitly via `self::`/`super::`), and so can be
/// shadowed by an item of the generated module.
pub(crate) fn is_glob_resolved(path: &Path) -> bool {
    path.leading_colon.is_none()
        && path.segments.first().is_some_and(|s| !["crate", "self", "super", "Self"].iter().any(|k| s.ident == k))
}

struct IntoChild;

impl VisitMut for IntoChild {
    fn visit_path_mut(&mut self, path: &mut Path) {
        // A lone `self` is a value, not a module; only `self::…` and `super::…` are module paths.
        if path.leading_colon.is_none() && path.segments.len() > 1 {
            let first = &path.segments[0].ident;
            if first == "self" {
                path.segments[0].ident = Ident::new("super", first.span());
            } else if first == "super" {
                let extra = PathSegment::from(Ident::new("super", first.span()));
                path.segments.insert(0, extra);
            }
        }
        visit_mut::visit_path_mut(self, path);
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;

    fn rewritten(p: &str) -> String {
        path(&syn::parse_str(p).unwrap()).to_token_stream().to_string().replace(' ', "")
    }

    #[test]
    fn rewrites_self_and_super_only() {
        assert_eq!(rewritten("f"), "f");
        assert_eq!(rewritten("a::f"), "a::f");
        assert_eq!(rewritten("crate::a::f"), "crate::a::f");
        assert_eq!(rewritten("::a::f"), "::a::f");
        assert_eq!(rewritten("self::f"), "super::f");
        assert_eq!(rewritten("super::f"), "super::super::f");
        let t = ty(&syn::parse_str("Vec<self::Room>").unwrap());
        assert_eq!(t.to_token_stream().to_string().replace(' ', ""), "Vec<super::Room>");
        assert!(is_glob_resolved(&syn::parse_str("a::f").unwrap()));
        assert!(!is_glob_resolved(&syn::parse_str("self::f").unwrap()));
        assert!(!is_glob_resolved(&syn::parse_str("::a::f").unwrap()));
    }
}
