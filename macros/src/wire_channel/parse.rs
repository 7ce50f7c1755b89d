//! Syntax of `wire_channel! { key: value, ... }`.
//!
//! Each value is cut out of the stream at the next `, key:` before it is parsed, so one
//! malformed value does not hide the errors of the others, and an unknown key's value can be
//! skipped whatever it looks like.

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use syn::buffer::Cursor;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitBool, LitStr, Path, Token, Type};

use crate::errors::Errors;

/// The keywords inside an action's `{ ... }`.
pub(super) mod kw {
    syn::custom_keyword!(auth);
    syn::custom_keyword!(middleware);
    syn::custom_keyword!(func);
}

/// A top-level option's value parser.
type ParseValue = fn(TokenStream) -> syn::Result<Value>;

/// Every top-level option of `wire_channel!`, in the order the docs list them, with how its
/// value parses: the one list of the keys.
const OPTIONS: &[(&str, ParseValue)] = &[
    ("name", |tokens| Ok(Value::Name(lit_str(tokens, "name: \"chat\"")?))),
    ("route", |tokens| Ok(Value::Route(lit_str(tokens, "route: \"/chat/:room\"")?))),
    ("auth", |tokens| Ok(Value::Auth(lit_bool(tokens, "auth")?))),
    ("binary", |tokens| Ok(Value::Binary(lit_bool(tokens, "binary")?))),
    ("opening_data", |tokens| {
        let hint = "`opening_data` takes a type, e.g. `opening_data: Room`";
        Ok(Value::OpeningData(with_hint(syn::parse2(tokens), hint)?))
    }),
    ("module", |tokens| {
        Ok(Value::Module(with_hint(syn::parse2(tokens), "`module` takes a module name, e.g. `module: chat`")?))
    }),
    ("on_connect", |tokens| Ok(Value::OnConnect(function_path(tokens, "on_connect: join")?))),
    ("on_disconnect", |tokens| Ok(Value::OnDisconnect(function_path(tokens, "on_disconnect: leave")?))),
    ("on_message", |tokens| Ok(Value::OnMessage(handler(tokens)?))),
    ("on_error", |tokens| {
        let hint = "`on_error` takes an expression, e.g. `on_error: log_error`";
        Ok(Value::OnError(with_hint(syn::parse2(tokens), hint)?))
    }),
    ("middleware", |tokens| Ok(Value::Middleware(list(&tokens, "middleware: [audit, rate_limit]")?))),
    ("tags", |tokens| Ok(Value::Tags(list(&tokens, "tags: [\"public\", \"beta\"]")?))),
    ("on_message_wiring", |tokens| Ok(Value::Wiring(wiring(&tokens)?))),
    ("topics", |tokens| Ok(Value::Topics(topics(&tokens)?))),
];

/// The top-level keys `wire_channel!` accepts, in the order the docs list them.
pub(super) fn channel_keys() -> Vec<&'static str> {
    OPTIONS.iter().map(|(key, _)| *key).collect()
}

/// The keys accepted inside `{ ... }` of an action or of `on_message`.
pub(super) const HANDLER_KEYS: &[&str] = &["func", "auth", "middleware"];

/// The whole invocation.
pub(super) struct Input {
    /// The options in the order written, duplicates and unknown keys included.
    pub entries: Vec<Entry>,
}

/// One top-level option as written.
#[allow(clippy::large_enum_variant, reason = "a few per macro call, at compile time")]
pub(super) enum Entry {
    /// A key of [`OPTIONS`], where it was written, and its value or why that does not parse.
    Known(&'static str, Span, syn::Result<Value>),
    /// Any other key; its value is skipped.
    Unknown(Ident),
}

/// A top-level option's parsed value.
pub(super) enum Value {
    /// `name: "chat"`.
    Name(LitStr),
    /// `route: "/chat/:room"`.
    Route(LitStr),
    /// `auth: true`.
    Auth(LitBool),
    /// `binary: false`.
    Binary(LitBool),
    /// `opening_data: Room`.
    OpeningData(Type),
    /// `module: chat`.
    Module(Ident),
    /// `on_connect: join`.
    OnConnect(Path),
    /// `on_disconnect: leave`.
    OnDisconnect(Path),
    /// `on_message: fallback` or `on_message: { func: fallback, auth: false }`.
    OnMessage(HandlerSpec),
    /// `on_error: log_error`.
    OnError(Expr),
    /// `middleware: [audit, rate_limit]`.
    Middleware(Vec<Expr>),
    /// `tags: ["a", "b"]`.
    Tags(Vec<LitStr>),
    /// `on_message_wiring: { key: { action: f, ... }, ... }`.
    Wiring(Vec<RoutingKeySpec>),
    /// `topics: { room: Room, lobby: { topic: Lobby, subscribe: may_enter } }`.
    Topics(Vec<TopicSpec>),
}

/// One declared topic: its name in frames and clients, its type, and the function that
/// authorizes client subscriptions (none: only the server subscribes connections).
pub(super) struct TopicSpec {
    pub name: NameSpec,
    pub ty: Type,
    pub subscribe: Option<Path>,
    pub history: Option<HistorySpec>,
}

/// `history: { size: 100, ttl: "5m" }`: how many publications a topic keeps, and for how long.
pub(super) struct HistorySpec {
    pub size: u64,
    pub ttl_ms: u64,
}

/// A wired function: a bare path, or `{ func: path, auth: bool, middleware: [..] }`.
pub(super) enum HandlerSpec {
    /// `send_message`.
    Path(Path),
    /// `{ ... }`: the brace's span and the entries in the order written.
    Detailed(Span, Vec<HandlerEntry>),
}

/// One entry inside a handler's `{ ... }`.
pub(super) enum HandlerEntry {
    /// `func: path`.
    Func(Span, Path),
    /// `auth: bool`.
    Auth(Span, LitBool),
    /// `middleware: [expr, ..]`.
    Middleware(Span, Vec<Expr>),
    /// Any other key.
    Unknown(Ident),
}

/// `<routing key>: { <action>: handler, ... }`.
pub(super) struct RoutingKeySpec {
    /// The routing key.
    pub key: NameSpec,
    /// Its actions in the order written.
    pub actions: Vec<(NameSpec, HandlerSpec)>,
}

/// A routing key or action name: an identifier (`r#` stripped, so `type` works) or a string.
#[derive(Clone)]
pub(super) struct NameSpec {
    /// The name.
    pub value: String,
    /// Where it was written.
    pub span: Span,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // A malformed value becomes `Entry::Invalid`, so the check reports it beside the others.
        let entries = parse_list(input, |key: &TopKey, tokens| Ok(top_value(key, tokens)))?;
        Ok(Self { entries })
    }
}

/// A top-level key: one of [`OPTIONS`] (its index), or another.
enum TopKey {
    Known(usize, Span),
    Unknown(Ident),
}

impl Parse for TopKey {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let ident = input
            .call(Ident::parse_any)
            .map_err(|e| syn::Error::new(e.span(), "expected an option such as `name: \"chat\"`"))?;
        Ok(match OPTIONS.iter().position(|(key, _)| ident == key) {
            Some(index) => TopKey::Known(index, ident.span()),
            None => TopKey::Unknown(ident),
        })
    }
}

fn top_value(key: &TopKey, tokens: syn::Result<TokenStream>) -> Entry {
    match key {
        TopKey::Unknown(ident) => Entry::Unknown(ident.clone()),
        TopKey::Known(index, span) => {
            let (name, parse) = OPTIONS[*index];
            Entry::Known(name, *span, tokens.and_then(parse))
        }
    }
}

/// Replaces syn's generic message ("expected string literal") by one that shows the fix.
fn with_hint<T>(result: syn::Result<T>, hint: &str) -> syn::Result<T> {
    result.map_err(|e| syn::Error::new(e.span(), hint))
}

fn lit_str(tokens: TokenStream, example: &str) -> syn::Result<LitStr> {
    let key = example.split(':').next().unwrap_or_default();
    with_hint(syn::parse2(tokens), &format!("`{key}` takes a string literal, e.g. `{example}`"))
}

fn lit_bool(tokens: TokenStream, key: &str) -> syn::Result<LitBool> {
    with_hint(syn::parse2(tokens), &format!("`{key}` takes `true` or `false`, e.g. `{key}: false`"))
}

fn function_path(tokens: TokenStream, example: &str) -> syn::Result<Path> {
    let key = example.split(':').next().unwrap_or_default();
    with_hint(syn::parse2(tokens), &format!("`{key}` takes the path of a `#[channel_func]` function, e.g. `{example}`"))
}

/// `[a, b, ...]`.
fn list<T: Parse>(tokens: &TokenStream, example: &str) -> syn::Result<Vec<T>> {
    let key = example.split(':').next().unwrap_or_default();
    let hint = format!("`{key}` takes a list in brackets, e.g. `{example}`");
    let group = single_group(tokens, Delimiter::Bracket).ok_or_else(|| syn::Error::new(first_span(tokens), &hint))?;
    let items = with_hint(Punctuated::<T, Token![,]>::parse_terminated.parse2(group), &hint)?;
    Ok(items.into_iter().collect())
}

fn handler(tokens: TokenStream) -> syn::Result<HandlerSpec> {
    let Some(group) = single_group(&tokens, Delimiter::Brace) else {
        return with_hint(
            syn::parse2(tokens).map(HandlerSpec::Path),
            "expected the path of a `#[channel_func]` function (`send_message`) or \
             `{ func: send_message, auth: false, middleware: [..] }`",
        );
    };
    let span = first_span(&tokens);
    let entries = (|input: ParseStream<'_>| parse_list(input, handler_value)).parse2(group)?;
    Ok(HandlerSpec::Detailed(span, entries))
}

/// `func: ...`, `auth: ...`, `middleware: ...` inside a handler's braces.
enum HandlerKey {
    Func(Span),
    Auth(Span),
    Middleware(Span),
    Unknown(Ident),
}

impl Parse for HandlerKey {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Ok(if input.peek(kw::func) {
            HandlerKey::Func(input.parse::<kw::func>()?.span)
        } else if input.peek(kw::auth) {
            HandlerKey::Auth(input.parse::<kw::auth>()?.span)
        } else if input.peek(kw::middleware) {
            HandlerKey::Middleware(input.parse::<kw::middleware>()?.span)
        } else {
            HandlerKey::Unknown(
                input.call(Ident::parse_any).map_err(|e| {
                    syn::Error::new(e.span(), "expected `func: path`, `auth: bool` or `middleware: [..]`")
                })?,
            )
        })
    }
}

fn handler_value(key: &HandlerKey, tokens: syn::Result<TokenStream>) -> syn::Result<HandlerEntry> {
    let tokens = tokens?;
    Ok(match key {
        HandlerKey::Func(span) => HandlerEntry::Func(*span, function_path(tokens, "func: send_message")?),
        HandlerKey::Auth(span) => HandlerEntry::Auth(*span, lit_bool(tokens, "auth")?),
        HandlerKey::Middleware(span) => HandlerEntry::Middleware(*span, list(&tokens, "middleware: [rate_limit]")?),
        HandlerKey::Unknown(ident) => HandlerEntry::Unknown(ident.clone()),
    })
}

fn wiring(tokens: &TokenStream) -> syn::Result<Vec<RoutingKeySpec>> {
    let hint = "`on_message_wiring` takes `{ <routing key>: { <action>: <function>, ... }, ... }`, \
                e.g. `on_message_wiring: { action: { sendMessage: send_message } }`";
    let group = single_group(tokens, Delimiter::Brace).ok_or_else(|| syn::Error::new(first_span(tokens), hint))?;
    let parse = |input: ParseStream<'_>| {
        parse_list(input, |key: &NameSpec, tokens| {
            let tokens = tokens?;
            let hint = format!(
                "routing key `{}` takes `{{ <action>: <function>, ... }}`, e.g. `{{ sendMessage: send_message }}`",
                key.value
            );
            let group =
                single_group(&tokens, Delimiter::Brace).ok_or_else(|| syn::Error::new(first_span(&tokens), &hint))?;
            let actions = (|input: ParseStream<'_>| {
                parse_list(input, |name: &NameSpec, tokens| Ok((name.clone(), handler(tokens?)?)))
            })
            .parse2(group)?;
            Ok(RoutingKeySpec { key: key.clone(), actions })
        })
    };
    parse.parse2(group)
}

const TOPICS_HINT: &str = "`topics` takes `{ <name>: <Type>, ... }` or `{ <name>: { topic: <Type>, subscribe: <authorization function>, history: { size: <n>, ttl: \"<duration>\" } } }`, e.g. `topics: { room: { topic: Room, subscribe: may_join } }`";
const HISTORY_HINT: &str = "`history` takes `{ size: <publications kept>, ttl: \"<how long>\" }`, e.g. `history: { size: 100, ttl: \"5m\" }` (units: ms, s, m, h, d)";

/// One option of a topic written as `{ topic: .., subscribe: .., history: .. }`.
enum TopicOption {
    Topic(Type),
    Subscribe(Path),
    History(HistorySpec),
}

fn topics(tokens: &TokenStream) -> syn::Result<Vec<TopicSpec>> {
    let group =
        single_group(tokens, Delimiter::Brace).ok_or_else(|| syn::Error::new(first_span(tokens), TOPICS_HINT))?;
    let parse = |input: ParseStream<'_>| {
        parse_list(input, |name: &NameSpec, tokens| {
            let tokens = tokens?;
            let Some(inner) = single_group(&tokens, Delimiter::Brace) else {
                let ty = with_hint(syn::parse2(tokens), TOPICS_HINT)?;
                return Ok(TopicSpec { name: name.clone(), ty, subscribe: None, history: None });
            };
            let brace = first_span(&tokens);
            let entries = (|input: ParseStream<'_>| {
                parse_list(input, |key: &Ident, tokens| {
                    let tokens = tokens?;
                    let option = match key.to_string().as_str() {
                        "topic" => TopicOption::Topic(with_hint(syn::parse2::<Type>(tokens), TOPICS_HINT)?),
                        "subscribe" => TopicOption::Subscribe(function_path(tokens, "subscribe: may_join")?),
                        "history" => TopicOption::History(history(&tokens)?),
                        _ => return Err(syn::Error::new(key.span(), format!("unknown topic option `{key}`: a topic takes `topic: <Type>`, `subscribe: <authorization function>` and `history: {{ size: <n>, ttl: \"<duration>\" }}`"))),
                    };
                    Ok((key.clone(), option))
                })
            })
            .parse2(inner)?;
            let (mut ty, mut subscribe, mut history) = (None, None, None);
            for (key, option) in entries {
                let duplicate = match option {
                    TopicOption::Topic(t) => ty.replace(t).is_some(),
                    TopicOption::Subscribe(f) => subscribe.replace(f).is_some(),
                    TopicOption::History(h) => history.replace(h).is_some(),
                };
                if duplicate {
                    return Err(syn::Error::new(key.span(), format!("duplicate option `{key}`; give it once")));
                }
            }
            let ty = ty.ok_or_else(|| {
                syn::Error::new(brace, format!("topic `{}` needs its type: `topic: <Type>`", name.value))
            })?;
            Ok(TopicSpec { name: name.clone(), ty, subscribe, history })
        })
    };
    parse.parse2(group)
}

/// `{ size: 100, ttl: "5m" }`: both required, both positive.
fn history(tokens: &TokenStream) -> syn::Result<HistorySpec> {
    let group =
        single_group(tokens, Delimiter::Brace).ok_or_else(|| syn::Error::new(first_span(tokens), HISTORY_HINT))?;
    let brace = first_span(tokens);
    let entries = (|input: ParseStream<'_>| {
        parse_list(input, |key: &Ident, tokens| {
            let tokens = tokens?;
            match key.to_string().as_str() {
                "size" => {
                    let lit: syn::LitInt = with_hint(syn::parse2(tokens), HISTORY_HINT)?;
                    let size: u64 = lit.base10_parse()?;
                    if size == 0 || size > 1_000_000 {
                        return Err(syn::Error::new(lit.span(), "a history keeps 1 to 1,000,000 publications; leave `history` out to keep none"));
                    }
                    Ok((key.clone(), Some(size), None))
                }
                "ttl" => {
                    let lit: LitStr = with_hint(syn::parse2(tokens), HISTORY_HINT)?;
                    let ttl = duration_ms(&lit.value()).ok_or_else(|| {
                        syn::Error::new(lit.span(), format!("`{}` is not a duration: write a positive number and a unit, e.g. \"30s\", \"5m\", \"2h\" (units: ms, s, m, h, d)", lit.value()))
                    })?;
                    Ok((key.clone(), None, Some(ttl)))
                }
                _ => Err(syn::Error::new(key.span(), format!("unknown history option `{key}`: {HISTORY_HINT}"))),
            }
        })
    })
    .parse2(group)?;
    let (mut size, mut ttl_ms) = (None, None);
    for (key, s, t) in entries {
        if (s.is_some() && size.is_some()) || (t.is_some() && ttl_ms.is_some()) {
            return Err(syn::Error::new(key.span(), format!("duplicate option `{key}`; give it once")));
        }
        size = size.or(s);
        ttl_ms = ttl_ms.or(t);
    }
    match (size, ttl_ms) {
        (Some(size), Some(ttl_ms)) => Ok(HistorySpec { size, ttl_ms }),
        _ => Err(syn::Error::new(brace, format!("a history needs both bounds: {HISTORY_HINT}"))),
    }
}

/// `"90s"` → 90,000: a positive integer and one unit.
fn duration_ms(text: &str) -> Option<u64> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok().filter(|n| *n > 0)?;
    let unit_ms = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    number.checked_mul(unit_ms)
}

impl Parse for NameSpec {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            return Ok(Self { value: lit.value(), span: lit.span() });
        }
        let ident = input.call(Ident::parse_any).map_err(|e| {
            syn::Error::new(e.span(), "expected a name: an identifier (`sendMessage`) or a string (`\"send-message\"`)")
        })?;
        Ok(Self { value: ident.unraw().to_string(), span: ident.span() })
    }
}

/// Parses `key: value, ...` up to the end of `input`, collecting the errors of every value.
/// `value` gets the key and the value's tokens, already cut at the next `, key:` (an error when
/// there are none).
fn parse_list<K: Parse, T>(
    input: ParseStream<'_>,
    value: impl Fn(&K, syn::Result<TokenStream>) -> syn::Result<T>,
) -> syn::Result<Vec<T>> {
    let mut out = Vec::new();
    let mut errors = Errors::default();
    while !input.is_empty() {
        let key: K = input.parse()?;
        let colon: Token![:] = input.parse()?;
        let tokens = input.step(|cursor| Ok(value_tokens(*cursor)))?;
        let tokens = if tokens.is_empty() {
            Err(syn::Error::new(colon.span, "expected a value after `:`"))
        } else if let Some(next_key) = missing_comma(&tokens) {
            Err(syn::Error::new(
                next_key.span(),
                format!("expected `,` before `{next_key}`: separate entries with commas"),
            ))
        } else {
            Ok(tokens)
        };
        if let Some(v) = errors.keep(value(&key, tokens)) {
            out.push(v);
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    errors.finish()?;
    Ok(out)
}

/// The tokens of one value: everything up to a `,` that starts the next entry (or the end).
fn value_tokens(mut cursor: Cursor<'_>) -> (TokenStream, Cursor<'_>) {
    let mut out = TokenStream::new();
    while let Some((tt, next)) = cursor.token_tree() {
        if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') && starts_entry(next) {
            break;
        }
        out.extend([tt]);
        cursor = next;
    }
    (out, cursor)
}

/// Whether `cursor` is at the end or at `key:` (an identifier or literal, then a lone `:`; `::`
/// belongs to a path). Values never contain `, ident:` at their top level: commas inside
/// brackets, braces and parentheses are in groups, and generic arguments end with `>`.
fn starts_entry(cursor: Cursor<'_>) -> bool {
    if cursor.eof() {
        return true;
    }
    let after_key = match cursor.ident() {
        Some((_, next)) => next,
        None => match cursor.literal() {
            Some((_, next)) => next,
            None => return false,
        },
    };
    match after_key.punct() {
        Some((p, next)) if p.as_char() == ':' => {
            p.spacing() == Spacing::Alone || next.punct().is_none_or(|(q, _)| q.as_char() != ':')
        }
        _ => false,
    }
}

/// The key of a following entry inside a value (`"x" route: ...`): the comma before it is
/// missing. Closures are skipped, since their typed parameters look like `key:` too.
fn missing_comma(tokens: &TokenStream) -> Option<TokenTree> {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, window) in tokens.windows(2).enumerate().skip(1) {
        let after_colon = matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == ':');
        let is_key = matches!(&window[0], TokenTree::Ident(_) | TokenTree::Literal(_));
        let is_colon = matches!(&window[1], TokenTree::Punct(p) if p.as_char() == ':' && p.spacing() == Spacing::Alone);
        if is_key && is_colon && !after_colon {
            let in_closure = tokens[..i].iter().any(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '|'));
            return (!in_closure).then(|| window[0].clone());
        }
    }
    None
}

/// The group's contents when `tokens` is exactly one group with this delimiter.
fn single_group(tokens: &TokenStream, delimiter: Delimiter) -> Option<TokenStream> {
    let mut iter = tokens.clone().into_iter();
    match (iter.next(), iter.next()) {
        (Some(TokenTree::Group(g)), None) if g.delimiter() == delimiter => Some(g.stream()),
        _ => None,
    }
}

fn first_span(tokens: &TokenStream) -> Span {
    tokens.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(src: &str) -> Vec<String> {
        let input: Input = syn::parse_str(src).unwrap();
        input
            .entries
            .iter()
            .map(|e| match e {
                Entry::Known(key, _, Ok(_)) => (*key).to_owned(),
                Entry::Unknown(i) => format!("?{i}"),
                Entry::Known(key, _, Err(e)) => format!("!{key}: {e}"),
            })
            .collect()
    }

    #[test]
    fn values_end_at_the_next_key_only() {
        assert_eq!(
            keys(
                r#"name: "x", opening_data: HashMap<String, u32>, on_error: |e: &E| log(e, 1), colour: a, b, route: "/","#
            ),
            ["name", "opening_data", "on_error", "?colour", "route"]
        );
        assert_eq!(keys("opening_data: a::b::C"), ["opening_data"]);
    }

    #[test]
    fn malformed_values_are_kept_for_the_check() {
        assert_eq!(
            keys(r#"name: chat, route: "/""#),
            ["!name: `name` takes a string literal, e.g. `name: \"chat\"`", "route"]
        );
        assert_eq!(
            keys(r#"name: "x" route: "/""#),
            ["!name: expected `,` before `route`: separate entries with commas"]
        );
    }
}
