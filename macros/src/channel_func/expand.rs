//! Code generation for a checked `#[channel_func]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{LitStr, ReturnType, Type};

use super::model::{ChannelFunc, Output};

/// The function (now returning a `ChannelFuture`), its companion struct and the trait impls.
pub(super) fn expand(func: &ChannelFunc) -> TokenStream {
    let function = function(func);
    let companion = companion(func);
    let assertions = assertions(func);
    let channel_function = channel_function_impl(func);
    let opens_with = opens_with_impl(func);
    let invoke = invoke_impl(func);
    quote! {
        #function
        #companion
        #assertions
        #channel_function
        #opens_with
        #invoke
    }
}

/// The type the function's future resolves to, as written (`()` when nothing is written).
fn return_type(func: &ChannelFunc) -> TokenStream {
    match &func.item.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    }
}

/// The function's output type: the `Ok` type of a `Result`.
fn output_type(func: &ChannelFunc) -> Type {
    match &func.output {
        Output::Unit => syn::parse_quote!(()),
        Output::Plain(ty) | Output::Result { ok: ty } => ty.clone(),
    }
}

fn input_type(func: &ChannelFunc) -> Type {
    func.input().map_or_else(|| syn::parse_quote!(()), |p| (*p.ty).clone())
}

/// The function itself, still callable and awaitable under its name. It returns a
/// `ChannelFuture` rather than being an `async fn` so that `wire_channel!` can tell a marked
/// function from an unmarked one by its signature.
fn function(func: &ChannelFunc) -> TokenStream {
    let attrs = &func.item.attrs;
    let vis = &func.item.vis;
    let block = &func.item.block;
    let mut sig = func.item.sig.clone();
    sig.asyncness = None;
    let ret = return_type(func);
    let span = sig.output.span();
    sig.output = syn::parse_quote_spanned! {span=>
        -> ::wirechan::__private::ChannelFuture<impl ::core::future::Future<Output = #ret>>
    };
    quote! {
        #(#attrs)*
        #vis #sig {
            ::wirechan::__private::ChannelFuture::new(async move #block)
        }
    }
}

/// A braced struct lives in the type namespace only, so it coexists with the function of the
/// same name: `wire_channel!` names the struct in type position and the function in value
/// position with one path.
fn companion(func: &ChannelFunc) -> TokenStream {
    let vis = &func.item.vis;
    let name = &func.item.sig.ident;
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}
    }
}

/// Trait-bound checks spanned at the user's types, so that a missing derive is reported on the
/// type that needs it with a note on how to fix it.
fn assertions(func: &ChannelFunc) -> TokenStream {
    let input = func.input().map(|p| {
        let ty = &p.ty;
        quote_spanned!(ty.span()=> ::wirechan::__private::assert_input::<#ty>();)
    });
    let progress = func
        .progress()
        .and_then(|p| p.progress.as_ref())
        .map(|ty| quote_spanned!(ty.span()=> ::wirechan::__private::assert_output::<#ty>();));
    let output = match &func.output {
        Output::Unit => None,
        Output::Plain(ty) | Output::Result { ok: ty } => {
            Some(quote_spanned!(ty.span()=> ::wirechan::__private::assert_output::<#ty>();))
        }
    };
    quote! {
        const _: () = {
            #input
            #output
            #progress
        };
    }
}

fn channel_function_impl(func: &ChannelFunc) -> TokenStream {
    let name = &func.item.sig.ident;
    let name_str = LitStr::new(&name.unraw().to_string(), name.span());
    let doc = LitStr::new(&func.doc, name.span());
    let input = input_type(func);
    let output = output_type(func);
    let auth = crate::wire_channel::option_bool(func.auth());
    // A `Progress` is made from the call's context.
    let takes_ctx = func.ctx().is_some() || func.progress().is_some();
    let (progress, has_progress) = match func.progress().and_then(|p| p.progress.as_ref()) {
        Some(ty) => (quote!(#ty), true),
        None => (quote!(()), false),
    };
    quote! {
        impl ::wirechan::__private::ChannelFunction for #name {
            type Input = #input;
            type Output = #output;
            type Progress = #progress;
            const HAS_PROGRESS: bool = #has_progress;
            const NAME: &'static str = #name_str;
            const DOC: &'static str = #doc;
            const AUTH: ::core::option::Option<bool> = #auth;
            const TAKES_CTX: bool = #takes_ctx;
        }
    }
}

fn opens_with_impl(func: &ChannelFunc) -> TokenStream {
    let name = &func.item.sig.ident;
    if let Some(ctx) = func.ctx() {
        let opening = ctx.opening_type();
        quote!(impl ::wirechan::__private::OpensWith<#opening> for #name {})
    } else {
        // Without a context the function works in any channel, whatever its opening data.
        quote!(impl<__O> ::wirechan::__private::OpensWith<__O> for #name {})
    }
}

fn invoke_impl(func: &ChannelFunc) -> TokenStream {
    let name = &func.item.sig.ident;
    let input = input_type(func);
    let output = output_type(func);
    let wrap = match func.output {
        Output::Result { .. } => quote!(::wirechan::__private::result),
        Output::Unit | Output::Plain(_) => quote!(::wirechan::__private::ok),
    };
    let (generics, ctx_type, ctx_arg) = match func.ctx() {
        Some(ctx) => {
            let ty = &ctx.ty;
            (quote!(), quote!(#ty), Some(quote!(__ctx)))
        }
        None => (
            quote! {
                <__O: ::core::marker::Send + ::core::marker::Sync + 'static,
                 __S: ::core::marker::Send + ::core::marker::Sync + 'static>
            },
            quote!(::wirechan::Ctx<__O, __S>),
            None,
        ),
    };
    let input_arg = func.input().map(|_| quote!(__input));
    let progress_arg = func.progress().map(|_| quote!(__progress));
    let needs_ctx = ctx_arg.is_some() || progress_arg.is_some();
    // The runtime passes a context whenever the function takes one (`TAKES_CTX`).
    let take_ctx = needs_ctx.then(|| {
        let progress = progress_arg.as_ref().map(|_| quote!(let __progress = ::wirechan::Progress::of(&__ctx);));
        quote! {
            let ::core::option::Option::Some(__ctx) = __ctx else {
                return ::core::result::Result::Err(::wirechan::ChannelError::internal());
            };
            #progress
        }
    });
    let ctx_param = if needs_ctx { quote!(__ctx) } else { quote!(_ctx) };
    let input_param = if input_arg.is_some() { quote!(__input) } else { quote!(_input) };
    let args = ctx_arg.into_iter().chain(input_arg).chain(progress_arg);
    // Spanned at the function's name: a future that is not `Send` is reported there. The trait
    // spells out `Send + 'static`, which an `async fn` cannot, hence the allowed lint.
    quote_spanned! {name.span()=>
        impl #generics ::wirechan::__private::Invoke<#ctx_type> for #name {
            #[allow(clippy::manual_async_fn)]
            fn invoke(
                #ctx_param: ::core::option::Option<#ctx_type>,
                #input_param: #input,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<#output, ::wirechan::ChannelError>,
            > + ::core::marker::Send + 'static {
                async move {
                    #take_ctx
                    #wrap(#name(#(#args),*).await)
                }
            }
        }
    }
}
