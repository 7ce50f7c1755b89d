//! Everything that can be wrong with a `#[channel_func]`, all reported at once.

use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, Type};

use super::model::{ChannelFunc, Output, Param};
use crate::errors::{Errors, did_you_mean};

const ACCEPTED: &str = "#[channel_func] accepts: auth = true|false";

/// Checks the function; `Err` holds every error found.
pub(super) fn check(func: &ChannelFunc) -> syn::Result<()> {
    let mut errors = Errors::default();
    check_options(func, &mut errors);
    check_signature(func, &mut errors);
    check_params(func, &mut errors);
    check_output(func, &mut errors);
    errors.finish()
}

/// Unknown and repeated keys, and values that are not `true`/`false`.
fn check_options(func: &ChannelFunc, errors: &mut Errors) {
    for (i, option) in func.options.iter().enumerate() {
        if !option.known {
            let hint = did_you_mean(&option.key, &["auth"]);
            errors.at(option.span, format!("unknown option `{}`{hint}; {ACCEPTED}", option.key));
            continue;
        }
        if func.options[..i].iter().any(|o| o.key == option.key) {
            errors.at(option.span, format!("duplicate option `{}`; give it once", option.key));
            continue;
        }
        match &option.value {
            Some(Expr::Lit(ExprLit { lit: Lit::Bool(_), .. })) => {}
            Some(other) => errors.at(
                other.span(),
                format!("`{}` takes `true` or `false`, e.g. `#[channel_func({} = false)]`", option.key, option.key),
            ),
            None => errors.at(
                option.span,
                format!("`{}` needs a value: write `{} = true` or `{} = false`", option.key, option.key, option.key),
            ),
        }
    }
}

/// `async`, and nothing that a plain free `async fn` would not have.
fn check_signature(func: &ChannelFunc, errors: &mut Errors) {
    let sig = &func.item.sig;
    if sig.asyncness.is_none() {
        errors.at(sig.fn_token.span, "`#[channel_func]` needs an `async fn`: add `async` before `fn`");
    }
    if let Some(constness) = &sig.constness {
        errors.at(constness.span, "a channel function cannot be `const`: remove `const`");
    }
    if let Some(unsafety) = &sig.unsafety {
        errors
            .at(unsafety.span, "a channel function cannot be `unsafe`: remove `unsafe` and call unsafe code inside it");
    }
    if let Some(abi) = &sig.abi {
        errors.at(abi.extern_token.span, "a channel function cannot have an ABI: remove `extern`");
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(variadic.dots.spans[0], "a channel function cannot be variadic: take one input struct");
    }
    if !sig.generics.params.is_empty() {
        errors.at(
            sig.generics.params.span(),
            "a channel function cannot be generic: its input and output types must be concrete to be \
             (de)serialized and described; remove the generic parameters",
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.at(where_clause.where_token.span, "a channel function cannot have a `where` clause: remove it");
    }
}

const TOO_MANY: &str = "a channel function takes a context and at most one input; group several inputs in one struct";

/// An optional `Ctx` first, then at most one owned input, then optionally a `Progress<T>`.
fn check_params(func: &ChannelFunc, errors: &mut Errors) {
    if let Some(receiver) = func.receiver {
        errors.at(
            receiver,
            "a channel function is a free function and takes no `self`: move it out of the `impl` block \
             and reach shared state through `ctx.services()`",
        );
    }
    let progress_at = func.params.iter().position(|p| p.progress.is_some());
    if let Some(at) = progress_at
        && at + 1 != func.params.len()
    {
        let span = func.params[at].ty.span();
        errors.at(span, "`Progress<T>` is a channel function's last parameter: move it after the input");
    }
    let params: Vec<&Param> = func.params.iter().filter(|p| p.progress.is_none()).collect();
    for (i, param) in params.iter().enumerate() {
        check_param_type(param, errors);
        match i {
            0 if !param.is_ctx && params.len() == 2 => errors.at(
                param.ty.span(),
                format!("{TOO_MANY}; with two parameters the first must be the context `Ctx<..>`"),
            ),
            0 | 1 => {}
            _ => errors.at(param.ty.span(), TOO_MANY),
        }
    }
    if let Some(param) = func.params.iter().filter(|p| p.progress.is_some()).nth(1) {
        errors.at(
            param.ty.span(),
            "a channel function takes one `Progress<T>`: send one type (an enum for several kinds)",
        );
    }
}

fn check_param_type(param: &Param, errors: &mut Errors) {
    match &*param.ty {
        Type::Reference(r) if param.is_ctx => errors
            .at(r.and_token.span, "take the context by value (`ctx: Ctx<..>`, it is cheap to clone): remove the `&`"),
        Type::Reference(r) => errors.at(
            r.and_token.span,
            "a channel function's input is deserialized into an owned value: remove the `&` \
             (e.g. take `String` rather than `&str`)",
        ),
        Type::ImplTrait(t) => errors.at(
            t.impl_token.span,
            "a channel function's parameters need concrete types: replace `impl Trait` with a type",
        ),
        _ => {}
    }
}

/// The output is serialized and described, so it must be a nameable type.
fn check_output(func: &ChannelFunc, errors: &mut Errors) {
    let ty = match &func.output {
        Output::Unit => return,
        Output::Plain(ty) | Output::Result { ok: ty } => ty,
    };
    if let Type::ImplTrait(t) = ty {
        errors.at(
            t.impl_token.span,
            "a channel function's output needs a concrete type: replace `impl Trait` with a type \
             that implements `serde::Serialize` and `schemars::JsonSchema`",
        );
    }
}
