//! What a channel function is, independent of how it was written: options, context, input and
//! output, each keeping the user's span for errors and `quote_spanned!`.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, FnArg, GenericArgument, ItemFn, Lit, Meta, PathArguments, Type};

use super::parse::{Args, OptionKey, RawOption};

/// A function marked `#[channel_func]`.
pub(super) struct ChannelFunc {
    /// The function as written; expansion re-emits it without `async`.
    pub item: ItemFn,
    /// The options in the order written (checked for unknown keys and duplicates).
    pub options: Vec<FuncOption>,
    /// The `self` receiver, which a channel function may not have.
    pub receiver: Option<Span>,
    /// The typed parameters, in order.
    pub params: Vec<Param>,
    /// What the function returns.
    pub output: Output,
    /// The doc comment, one line per `///` line.
    pub doc: String,
}

/// One `#[channel_func(key = value)]` option.
pub(super) struct FuncOption {
    /// The key as written.
    pub key: String,
    /// Whether the key is one this macro knows.
    pub known: bool,
    /// The key's span.
    pub span: Span,
    /// The value, if one was given.
    pub value: Option<Expr>,
}

/// A typed parameter.
pub(super) struct Param {
    /// The type as written.
    pub ty: Box<Type>,
    /// Whether the type is a context: its last path segment is `Ctx` (possibly behind `&`).
    pub is_ctx: bool,
    /// For a `Progress<T>` parameter, its `T`: what the function sends while it runs.
    pub progress: Option<Type>,
}

/// What a channel function returns.
pub(super) enum Output {
    /// Nothing: the output is `()`.
    Unit,
    /// A value of this type.
    Plain(Type),
    /// `Result<T, E>` (or an alias `Result<T>`) and its `T`.
    Result {
        /// The `Ok` type: the function's output.
        ok: Type,
    },
}

impl ChannelFunc {
    /// Builds the model; never fails, so that the check can report every problem at once.
    pub(super) fn new(args: Args, item: ItemFn) -> Self {
        let options = args.options.into_iter().map(FuncOption::new).collect();
        let mut receiver = None;
        let mut params = Vec::new();
        for input in &item.sig.inputs {
            match input {
                FnArg::Receiver(r) => receiver = Some(r.span()),
                FnArg::Typed(t) => {
                    params.push(Param { is_ctx: is_ctx(&t.ty), progress: progress_type(&t.ty), ty: t.ty.clone() });
                }
            }
        }
        let output = match &item.sig.output {
            syn::ReturnType::Default => Output::Unit,
            syn::ReturnType::Type(_, ty) => match result_ok_type(ty) {
                Some(ok) => Output::Result { ok },
                None => Output::Plain((**ty).clone()),
            },
        };
        let doc = doc_comment(&item);
        Self { item, options, receiver, params, output, doc }
    }

    /// The context parameter: the first parameter, when its type is a `Ctx`.
    pub(super) fn ctx(&self) -> Option<&Param> {
        self.params.first().filter(|p| p.is_ctx)
    }

    /// The input parameter: the last one that is neither the context nor a `Progress`.
    pub(super) fn input(&self) -> Option<&Param> {
        self.params
            .iter()
            .enumerate()
            .rev()
            .find(|(i, p)| !(p.is_ctx && *i == 0) && p.progress.is_none())
            .map(|(_, p)| p)
    }

    /// The `Progress<T>` parameter, if any.
    pub(super) fn progress(&self) -> Option<&Param> {
        self.params.iter().find(|p| p.progress.is_some())
    }

    /// The value of `auth`, if given as a boolean literal.
    pub(super) fn auth(&self) -> Option<bool> {
        self.options.iter().filter(|o| o.known && o.key == "auth").find_map(|o| match &o.value {
            Some(Expr::Lit(ExprLit { lit: Lit::Bool(b), .. })) => Some(b.value),
            _ => None,
        })
    }
}

impl FuncOption {
    fn new(raw: RawOption) -> Self {
        let (key, known, span) = match raw.key {
            OptionKey::Auth(kw) => ("auth".to_owned(), true, kw.span),
            OptionKey::Unknown(ident) => (ident.to_string(), false, ident.span()),
        };
        Self { key, known, span, value: raw.value }
    }
}

impl Param {
    /// The opening-data type of a context parameter: the first generic argument of its `Ctx`,
    /// `()` when it has none (as `Ctx`'s default is).
    pub(super) fn opening_type(&self) -> Type {
        if let Type::Path(p) = &*self.ty
            && let Some(last) = p.path.segments.last()
            && let PathArguments::AngleBracketed(args) = &last.arguments
            && let Some(GenericArgument::Type(ty)) = args.args.first()
        {
            return ty.clone();
        }
        syn::parse_quote_spanned!(self.ty.span()=> ())
    }
}

/// Syntactic: a type whose last path segment is `Ctx`, however it is qualified. A reference to
/// one counts too, so that `&Ctx` is reported as a reference rather than as a misplaced input.
fn is_ctx(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => is_ctx(&r.elem),
        Type::Path(p) => p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Ctx"),
        _ => false,
    }
}

/// Syntactic, like [`is_ctx`]: the `T` of a type whose last path segment is `Progress<T>`.
fn progress_type(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last().filter(|_| p.qself.is_none())?;
    if last.ident != "Progress" {
        return None;
    }
    match &last.arguments {
        PathArguments::AngleBracketed(args) => match args.args.first()? {
            GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The `T` of `Result<T, ..>` (any path whose last segment is `Result` with a type argument).
fn result_ok_type(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        GenericArgument::Type(ok) => Some(ok.clone()),
        _ => None,
    }
}

/// `///` lines joined with `\n`, each without the one space that follows `///`.
fn doc_comment(item: &ItemFn) -> String {
    let lines: Vec<String> = item
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').map(str::to_owned).unwrap_or(line))
        .collect();
    lines.join("\n")
}
