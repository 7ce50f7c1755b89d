//! `#[derive(Topic)]`: a struct whose named fields are a topic's parameters, with
//! `#[topic("room:{room}", payload = RoomEvent)]`.
//!
//! A pattern is `:`-separated segments, each either literal text or one `{field}`; every field is
//! one parameter, used once. Whole segments keep names unambiguous: a parameter's `:` is escaped
//! when the name is built (`room:a%3Ab`), so two parameter values never give one name.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Token, Type};

use crate::errors::Errors;

/// What `#[topic(..)]` says.
struct TopicAttr {
    pattern: LitStr,
    payload: Type,
}

const USAGE: &str =
    "write `#[topic(\"room:{room}\", payload = RoomEvent)]`: the name pattern, then the type every publication carries";

impl Parse for TopicAttr {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let pattern: LitStr = input.parse().map_err(|e| syn::Error::new(e.span(), USAGE))?;
        input.parse::<Token![,]>().map_err(|e| syn::Error::new(e.span(), USAGE))?;
        let key: Ident = input.parse().map_err(|e| syn::Error::new(e.span(), USAGE))?;
        if key != "payload" {
            return Err(syn::Error::new(key.span(), format!("unknown option `{key}`: {USAGE}")));
        }
        input.parse::<Token![=]>()?;
        let payload: Type = input.parse()?;
        let _ = input.parse::<Option<Token![,]>>()?;
        if !input.is_empty() {
            return Err(input.error(format!("unexpected tokens: {USAGE}")));
        }
        Ok(Self { pattern, payload })
    }
}

/// One segment of a pattern.
#[derive(Debug, PartialEq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// Splits a pattern into segments, or says what is wrong with it.
fn parse_pattern(pattern: &str) -> Result<Vec<Segment>, String> {
    if pattern.is_empty() {
        return Err("a topic pattern cannot be empty".to_owned());
    }
    if pattern == "channel" || pattern.starts_with("channel:") {
        return Err(
            "`channel:` names the implicit topic of every channel (`broadcast`); choose another prefix".to_owned()
        );
    }
    pattern
        .split(':')
        .map(|segment| {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let valid = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                return if valid {
                    Ok(Segment::Param(name.to_owned()))
                } else {
                    Err(format!("`{{{name}}}` is not a parameter: name a field of the struct, e.g. `{{room}}`"))
                };
            }
            if segment.is_empty() {
                return Err("a topic pattern cannot have an empty segment (`::`, or `:` at either end)".to_owned());
            }
            if segment.contains(['{', '}']) {
                return Err(format!(
                    "segment `{segment}` mixes text and a parameter: a parameter is a whole `:`-separated segment, e.g. `room:{{room}}`"
                ));
            }
            if segment.contains('%') {
                return Err(format!("segment `{segment}` has a `%`, which escapes parameters in topic names"));
            }
            Ok(Segment::Literal(segment.to_owned()))
        })
        .collect()
}

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(input)?;
    let mut errors = Errors::default();
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        errors.at(
            input.generics.span(),
            "a topic cannot be generic: its payload and pattern are fixed; remove the generic parameters",
        );
    }
    let fields: Vec<(Ident, Type)> = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => named.named.iter().filter_map(|f| Some((f.ident.clone()?, f.ty.clone()))).collect(),
            Fields::Unit => Vec::new(),
            Fields::Unnamed(unnamed) => {
                errors.at(unnamed.span(), "a topic's parameters are named fields, one per `{param}` of its pattern: use `struct Room { room: String }`");
                Vec::new()
            }
        },
        _ => {
            errors.at(
                ident.span(),
                "a topic is a struct whose fields are its parameters, e.g. `struct Room { room: String }`",
            );
            Vec::new()
        }
    };
    let attrs: Vec<_> = input.attrs.iter().filter(|a| a.path().is_ident("topic")).collect();
    let Some(attr) = attrs.first() else {
        errors.at(ident.span(), format!("a topic needs its pattern and payload: {USAGE}"));
        errors.finish()?;
        unreachable!("an error was collected");
    };
    for extra in &attrs[1..] {
        errors.at(extra.span(), "`#[topic(..)]` is given twice; give it once");
    }
    let Some(parsed) = errors.keep(attr.parse_args::<TopicAttr>()) else {
        errors.finish()?;
        unreachable!("an error was collected");
    };
    let pattern = parsed.pattern.value();
    let segments = match parse_pattern(&pattern) {
        Ok(segments) => {
            check_params(&segments, &fields, &parsed.pattern, &mut errors);
            segments
        }
        Err(why) => {
            // The fields are not compared with a pattern that does not parse: one mistake, one error.
            errors.at(parsed.pattern.span(), format!("invalid topic pattern `{pattern}`: {why}"));
            Vec::new()
        }
    };
    errors.finish()?;

    let params: Vec<&String> = segments
        .iter()
        .filter_map(|s| match s {
            Segment::Param(p) => Some(p),
            Segment::Literal(_) => None,
        })
        .collect();
    let capacity = pattern.len();
    let writes = segments.iter().enumerate().map(|(i, segment)| {
        let sep = (i > 0).then(|| quote!(out.push(':');));
        match segment {
            Segment::Literal(text) => quote!(#sep out.push_str(#text);),
            Segment::Param(name) => {
                let (field, ty) = fields.iter().find(|(f, _)| f == name).expect("checked: every parameter is a field");
                let write =
                    quote_spanned!(ty.span()=> ::wirechan::__private::TopicParam::write_param(&self.#field, &mut out););
                quote!(#sep #write)
            }
        }
    });
    let payload = &parsed.payload;
    let pattern_lit = &parsed.pattern;
    Ok(quote! {
        impl ::wirechan::__private::TopicDef for #ident {
            type Payload = #payload;
            const PATTERN: &'static str = #pattern_lit;
            const PARAMS: &'static [&'static str] = &[#(#params),*];
            fn name(&self) -> ::std::string::String {
                let mut out = ::std::string::String::with_capacity(#capacity);
                #(#writes)*
                out
            }
        }
    })
}

/// Every `{param}` names a field, once; every field is a parameter.
fn check_params(segments: &[Segment], fields: &[(Ident, Type)], pattern: &LitStr, errors: &mut Errors) {
    let mut seen: Vec<&str> = Vec::new();
    for segment in segments {
        let Segment::Param(name) = segment else { continue };
        if seen.contains(&name.as_str()) {
            errors.at(
                pattern.span(),
                format!("parameter `{{{name}}}` appears twice in `{}`; use it once", pattern.value()),
            );
        } else if !fields.iter().any(|(f, _)| f == name) {
            let have: Vec<String> = fields.iter().map(|(f, _)| format!("`{f}`")).collect();
            let have = if have.is_empty() { "none".to_owned() } else { have.join(", ") };
            errors.at(pattern.span(), format!("parameter `{{{name}}}` is not a field of the struct (its fields: {have}); add the field or fix the name"));
        }
        seen.push(name);
    }
    for (field, _) in fields {
        if field == "since" || field == "recent" {
            errors.at(field.span(), format!("a topic parameter cannot be named `{field}`: subscription frames use `since` and `recent` to recover publications; rename the field"));
        }
        if !seen.iter().any(|p| field == p) {
            errors.at(field.span(), format!("field `{field}` is not in the topic's pattern `{}`: every field is a parameter; add `{{{field}}}` to the pattern or remove the field", pattern.value()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_whole_segments() {
        assert_eq!(
            parse_pattern("room:{room}").unwrap(),
            [Segment::Literal("room".into()), Segment::Param("room".into())]
        );
        assert_eq!(parse_pattern("news").unwrap(), [Segment::Literal("news".into())]);
        for bad in ["", "room::{id}", "room:", "room-{id}", "room:{}", "room:{1a}", "channel:x", "a%b", "room:{id"] {
            assert!(parse_pattern(bad).is_err(), "{bad}");
        }
    }
}
