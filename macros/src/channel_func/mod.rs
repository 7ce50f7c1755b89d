//! `#[channel_func]`: a free `async fn` becomes a channel function.
//!
//! The function keeps its name and body (now wrapped in a `ChannelFuture`); a hidden braced
//! struct of the same name (type namespace only) carries its description: `ChannelFunction`,
//! `OpensWith` and `Invoke`.

mod check;
mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;

/// Runs the pipeline on the attribute's arguments and the item it is attached to.
pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let (args, item) = parse::parse(attr, item)?;
    let func = model::ChannelFunc::new(args, item);
    check::check(&func)?;
    Ok(expand::expand(&func))
}
