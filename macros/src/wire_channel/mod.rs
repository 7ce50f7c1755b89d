//! `wire_channel!`: wires channel functions into a channel, generated as a module.

mod check;
mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;

pub(crate) use expand::option_bool;

/// Runs the pipeline on the macro's input.
pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: parse::Input = syn::parse2(input)?;
    let channel = model::WireChannel::new(input);
    check::check(&channel)?;
    Ok(expand::expand(&channel))
}
