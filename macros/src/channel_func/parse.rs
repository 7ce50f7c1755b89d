//! Syntax of `#[channel_func(...)]`: its options and the item it is attached to.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Item, ItemFn, Token};

/// The option keywords.
pub(super) mod kw {
    syn::custom_keyword!(auth);
}

/// The attribute's arguments, as written.
pub(super) struct Args {
    /// The options in the order written, duplicates and unknown keys included.
    pub options: Vec<RawOption>,
}

/// One `key = value` option; the value is optional here so that a bare `auth` can get a
/// helpful error from the check rather than a parse error.
pub(super) struct RawOption {
    /// The key.
    pub key: OptionKey,
    /// The value after `=`, if any.
    pub value: Option<Expr>,
}

/// An option key.
pub(super) enum OptionKey {
    /// `auth`.
    Auth(kw::auth),
    /// Anything else, reported by the check.
    Unknown(Ident),
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let options = Punctuated::<RawOption, Token![,]>::parse_terminated(input)?;
        Ok(Self { options: options.into_iter().collect() })
    }
}

impl Parse for RawOption {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = if input.peek(kw::auth) {
            OptionKey::Auth(input.parse()?)
        } else {
            OptionKey::Unknown(
                input
                    .call(Ident::parse_any)
                    .map_err(|e| syn::Error::new(e.span(), "expected an option such as `auth = true`"))?,
            )
        };
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Self { key, value })
    }
}

/// Parses the arguments and the item, reporting the errors of both at once.
pub(super) fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<(Args, ItemFn)> {
    let args = syn::parse2::<Args>(attr);
    let item = syn::parse2::<Item>(item).and_then(|item| match item {
        Item::Fn(f) => Ok(f),
        other => Err(syn::Error::new(
            other.span(),
            "`#[channel_func]` goes on a free `async fn`, e.g. `#[channel_func] async fn join(ctx: Ctx) {}`",
        )),
    });
    match (args, item) {
        (Ok(args), Ok(item)) => Ok((args, item)),
        (Err(mut first), Err(second)) => {
            first.combine(second);
            Err(first)
        }
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
    }
}
