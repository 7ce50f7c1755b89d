//! `#[derive(JsonSchema)]` as `wirechan::prelude` exports it: schemars's derive, plus what serde
//! does that schemars's schemas leave out, so that the generated TypeScript admits exactly what
//! serde reads and writes.
//!
//! schemars 1.x reads serde's attributes but drops four of them from its schemas: `tag` on a
//! struct (serde writes the tag), `alias` on a field or a variant (serde reads the other names),
//! `other` on a variant (serde reads any unknown tag as it) and `flatten` on an `Option` of a
//! struct (serde writes all of its members or none). This derive lets schemars's derive write the schema of a
//! copy of the type (same name, same module, same attributes, so the same schema name and id),
//! then hands it with those facts to `wirechan::__private::serde_facts`, which adds them for the
//! contract being generated.
//!
//! serde's attributes are read by `serde_derive_internals`, serde's own parser, which works on
//! syn 3 (hence `syn3` here, beside the syn 2 of the other macros).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use serde_derive_internals::{Ctxt, Derive, ast, attr};
use syn3 as syn;

/// The attributes schemars's derive reads; the copy keeps only these (others belong to other
/// derives and would be unknown to schemars's).
const KEPT: &[&str] = &["serde", "schemars", "doc", "deprecated", "validate", "garde"];

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let item: syn::DeriveInput = syn::parse2(input)?;
    if let syn::Data::Union(data) = &item.data {
        return Err(syn::Error::new(
            data.union_token.span,
            "`JsonSchema` cannot be derived for a union: serde has no JSON shape for one; use a struct or an enum",
        ));
    }
    let name = &item.ident;
    let schemars = quote!(::wirechan::__private::schemars);
    let alias = format_ident!("__wirechan_json_schema_{}", name);
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let alias_params = alias_params(&item.generics);
    let copy = copy(&item);
    let default = copy_default(&item, &alias);
    let facts = facts(&item);
    let mut predicates: Vec<TokenStream> =
        where_clause.map(|w| w.predicates.iter().map(|p| quote!(#p)).collect()).unwrap_or_default();
    predicates.push(quote!(#name #ty_generics: #schemars::JsonSchema));
    let patch = facts.map(|facts| quote!(::wirechan::__private::serde_facts::apply(&mut schema, generator, &#facts);));
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        type #alias<#(#alias_params),*> = #name #ty_generics;

        #[allow(deprecated)]
        const _: () = {
            #copy
            #default

            #[automatically_derived]
            impl #impl_generics #schemars::JsonSchema for #alias #ty_generics where #(#predicates),* {
                fn inline_schema() -> bool {
                    <#name #ty_generics as #schemars::JsonSchema>::inline_schema()
                }

                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    <#name #ty_generics as #schemars::JsonSchema>::schema_name()
                }

                fn schema_id() -> ::std::borrow::Cow<'static, str> {
                    <#name #ty_generics as #schemars::JsonSchema>::schema_id()
                }

                fn json_schema(generator: &mut #schemars::SchemaGenerator) -> #schemars::Schema {
                    #[allow(unused_mut)]
                    let mut schema = <#name #ty_generics as #schemars::JsonSchema>::json_schema(generator);
                    #patch
                    schema
                }
            }
        };
    })
}

/// The generic parameters of the alias: names only, without bounds or defaults.
fn alias_params(generics: &syn::Generics) -> Vec<TokenStream> {
    generics
        .params
        .iter()
        .map(|param| match param {
            syn::GenericParam::Lifetime(l) => {
                let lifetime = &l.lifetime;
                quote!(#lifetime)
            }
            syn::GenericParam::Type(t) => {
                let ident = &t.ident;
                quote!(#ident)
            }
            syn::GenericParam::Const(c) => {
                let (ident, ty) = (&c.ident, &c.ty);
                quote!(const #ident: #ty)
            }
        })
        .collect()
}

/// The copy of the type that schemars's derive reads, with only the attributes it reads.
fn copy(item: &syn::DeriveInput) -> TokenStream {
    let mut copy = item.clone();
    copy.attrs.retain(kept);
    match &mut copy.data {
        syn::Data::Struct(data) => data.fields.iter_mut().for_each(|f| f.attrs.retain(kept)),
        syn::Data::Enum(data) => {
            for variant in &mut data.variants {
                variant.attrs.retain(kept);
                variant.fields.iter_mut().for_each(|f| f.attrs.retain(kept));
            }
        }
        syn::Data::Union(_) => {}
    }
    let has_crate = copy.attrs.iter().any(|a| {
        a.path().is_ident("schemars") && a.meta.require_list().is_ok_and(|l| l.tokens.to_string().contains("crate"))
    });
    let krate = (!has_crate).then(|| quote!(#[schemars(crate = "::wirechan::__private::schemars")]));
    quote! {
        #[derive(::wirechan::__private::schemars::JsonSchema)]
        #krate
        #[allow(dead_code, unused_qualifications, clippy::all)]
        #copy
    }
}

fn kept(attr: &syn::Attribute) -> bool {
    KEPT.iter().any(|name| attr.path().is_ident(name))
}

/// `Default` for the copy, from the type's own: schemars's derive calls `Self::default()` for a
/// container marked `#[serde(default)]`.
fn copy_default(item: &syn::DeriveInput, alias: &syn::Ident) -> Option<TokenStream> {
    let syn::Data::Struct(data) = &item.data else { return None };
    let private = syn::Ident::new("__private", Span::call_site());
    let ctxt = Ctxt::new();
    let container = ast::Container::from_ast(&ctxt, item, Derive::Deserialize, &private);
    let _ = ctxt.check();
    if !matches!(container?.attrs.default(), attr::Default::Default) {
        return None;
    }
    let name = &item.ident;
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let members = data.fields.iter().enumerate().map(|(i, field)| match &field.ident {
        Some(ident) => quote!(#ident: outer.#ident),
        None => {
            let index = syn::Index::from(i);
            quote!(#index: outer.#index)
        }
    });
    Some(quote! {
        impl #impl_generics ::std::default::Default for #name #ty_generics #where_clause {
            fn default() -> Self {
                let outer = <#alias #ty_generics as ::std::default::Default>::default();
                Self { #(#members),* }
            }
        }
    })
}

/// The facts `serde_facts::apply` adds, as a `SerdeFacts` expression; `None` when there are none.
fn facts(item: &syn::DeriveInput) -> Option<TokenStream> {
    let private = syn::Ident::new("__private", Span::call_site());
    let ctxt = Ctxt::new();
    // serde's own derive reports malformed attributes; here they only mean no facts.
    let container = ast::Container::from_ast(&ctxt, item, Derive::Deserialize, &private);
    let _ = ctxt.check();
    let container = container?;
    let ctxt = Ctxt::new();
    let serialized = ast::Container::from_ast(&ctxt, item, Derive::Serialize, &private);
    let _ = ctxt.check();
    let serialized = serialized?;
    let facts = quote!(::wirechan::__private::serde_facts);
    let schemars = quote!(::wirechan::__private::schemars);

    let mut any = false;
    let mut struct_tag = quote!(None);
    let mut fields = Vec::new();
    let mut variants = Vec::new();
    let mut other = quote!(None);
    let mut optional_flattens = Vec::new();
    let representation = match container.attrs.tag() {
        attr::TagType::External => quote!(#facts::Representation::External),
        attr::TagType::Internal { tag } => quote!(#facts::Representation::Internal { tag: #tag }),
        attr::TagType::Adjacent { tag, content } => {
            quote!(#facts::Representation::Adjacent { tag: #tag, content: #content })
        }
        attr::TagType::None => quote!(#facts::Representation::Untagged),
    };
    match &container.data {
        ast::Data::Struct(_, struct_fields) => {
            if let attr::TagType::Internal { tag } = serialized.attrs.tag() {
                let written = &serialized.attrs.name().serialize_name().value;
                struct_tag = quote!(Some((#tag, #written)));
                any = true;
            }
            fields = aliased(struct_fields);
            for field in struct_fields.iter().filter(|f| f.attrs.flatten() && !f.attrs.skip_serializing()) {
                if let Some(inner) = option_of(field.ty) {
                    optional_flattens.push(quote!(
                        <#inner as #schemars::JsonSchema>::json_schema
                            as fn(&mut #schemars::SchemaGenerator) -> #schemars::Schema
                    ));
                }
            }
        }
        ast::Data::Enum(enum_variants) => {
            for variant in enum_variants.iter().filter(|v| !v.attrs.skip_deserializing()) {
                let name = &variant.attrs.name().deserialize_name().value;
                if variant.attrs.other() {
                    other = quote!(Some(#name));
                    any = true;
                }
                let aliases: Vec<&String> =
                    variant.attrs.aliases().iter().map(|a| &a.value).filter(|a| *a != name).collect();
                let variant_fields = aliased(&variant.fields);
                if !aliases.is_empty() || !variant_fields.is_empty() {
                    variants.push(quote!(#facts::VariantFacts {
                        name: #name,
                        aliases: &[#(#aliases),*],
                        fields: &[#(#variant_fields),*],
                    }));
                }
            }
        }
    }
    if !any && fields.is_empty() && variants.is_empty() && optional_flattens.is_empty() {
        return None;
    }
    Some(quote! {
        #facts::SerdeFacts {
            struct_tag: #struct_tag,
            fields: &[#(#fields),*],
            representation: #representation,
            variants: &[#(#variants),*],
            other: #other,
            optional_flattens: &[#(#optional_flattens),*],
        }
    })
}

/// `(name, &[aliases])` for each field read under other names too.
fn aliased(fields: &[ast::Field<'_>]) -> Vec<TokenStream> {
    fields
        .iter()
        .filter(|f| !f.attrs.skip_deserializing() && !f.attrs.flatten())
        .filter_map(|field| {
            let name = &field.attrs.name().deserialize_name().value;
            let others: Vec<&String> = field.attrs.aliases().iter().map(|a| &a.value).filter(|a| *a != name).collect();
            (!others.is_empty()).then(|| quote!((#name, &[#(#others),*])))
        })
        .collect()
}

/// `T` of a field typed `Option<T>`.
fn option_of(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}
