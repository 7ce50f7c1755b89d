//! Procedural macros of wirechan: `#[channel_func]`, `wire_channel!` and `bootstrap!`.
//!
//! Use them through the `wirechan` crate, which re-exports them; the code they generate names
//! only `::wirechan::...` and `::core::...` paths (plus the user's own paths), so the caller
//! needs no imports for it.
//!
//! Each macro is a pipeline: parse (syn) → model (own types that keep the user's spans) →
//! check (collects every error, not just the first) → expand (quote).
//!
//! To see what a macro generates, build with `WIRECHAN_EXPAND` naming it (`channel_func`,
//! `wire_channel`, `bootstrap`, or `all`): each expansion is printed to the compiler's standard
//! error. Cargo does not rebuild for a changed environment variable: touch the file first (or
//! `cargo clean -p <your crate>`).

use proc_macro::TokenStream;

mod bootstrap;
mod channel_func;
mod errors;
mod json_schema;
mod naming;
mod route;
mod scope;
mod topic;
mod wire_channel;

/// Turns a free `async fn` into a channel function that `wire_channel!` can wire.
///
/// ```text
/// /// Send a message to the room.
/// #[channel_func(auth = true)]
/// pub async fn send_message(ctx: Ctx<Room, Services>, input: SendMessage) -> Result<Sent, ChannelError> {
///     // ...
/// }
/// ```
///
/// The function takes an optional context first (a `Ctx<Opening, Services>`), then at most one
/// owned input (`serde::Deserialize + schemars::JsonSchema`); it returns nothing, a value, or a
/// `Result<T, E>` whose `E: Into<ChannelError>` (`T: serde::Serialize + schemars::JsonSchema`).
/// Its doc comment becomes the action's summary in the manifest.
///
/// Option: `auth = true | false` overrides the channel's `auth` default for this function.
///
/// The function stays callable under its name (`send_message(ctx, input).await`); the macro adds
/// a hidden companion type of the same name that describes it to the channel.
#[proc_macro_attribute]
pub fn channel_func(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    // On error the function is emitted unchanged so that its callers do not fail a second time.
    emit("channel_func", channel_func::expand(attr.into(), item.clone()), item)
}

/// Wires channel functions into a channel, generated as a module (`chat::channel()`).
///
/// ```text
/// wire_channel! {
///     name: "chat",                       // required, unique
///     route: "/chat/:room",               // required
///     auth: true,                         // default true: messages need a session
///     binary: false,                      // default false
///     opening_data: Room,                 // default `()`: route params + query
///     module: chat,                       // default: the name in snake_case
///     on_connect: join,
///     on_disconnect: leave,
///     on_message: fallback,               // or `{ func: fallback, auth: false }`
///     on_error: log_error,
///     middleware: [audit],
///     tags: ["public"],
///     on_message_wiring: {
///         action: {                       // routing key, tried in declaration order
///             authenticate: { func: authenticate, auth: false, middleware: [rate_limit] },
///             sendMessage: send_message,
///             "kebab-name": other,
///         },
///     },
/// }
/// ```
///
/// The module holds `Channel`, `NAME`, `ROUTE`, `channel::<S>()`, `manifest()`,
/// `ClientMessage`, `ServerMessage` and `actions::*` (one `ActionSpec` type per action).
#[proc_macro]
pub fn wire_channel(input: TokenStream) -> TokenStream {
    emit("wire_channel", wire_channel::expand(input.into()), proc_macro2::TokenStream::new())
}

/// Collects `wire_channel!` modules into `bootstrap::channels::<S>()` and `bootstrap::manifest()`.
///
/// ```text
/// bootstrap! { chat, lobby }
/// ```
///
/// Two channels with the same `name` are a compile-time error.
#[proc_macro]
pub fn bootstrap(input: TokenStream) -> TokenStream {
    emit("bootstrap", bootstrap::expand(input.into()), proc_macro2::TokenStream::new())
}

/// Declares a topic: the struct's named fields are its parameters.
///
/// ```text
/// /// A chat room.
/// #[derive(Topic, Deserialize, JsonSchema)]
/// #[topic("room:{room}", payload = RoomEvent)]
/// pub struct Room {
///     pub room: String,
/// }
/// ```
///
/// The pattern is `:`-separated segments, each literal text or one `{field}`; every field appears
/// once (its type implements `Display`). Every publication to the topic is a `payload`. Listing the
/// struct in a channel's `topics` makes it a `wirechan::Topic` that the hub publishes to.
#[proc_macro_derive(Topic, attributes(topic))]
pub fn derive_topic(input: TokenStream) -> TokenStream {
    emit("topic", topic::expand(input.into()), proc_macro2::TokenStream::new())
}

/// `#[derive(JsonSchema)]` of `wirechan::prelude`: schemars's derive, plus what serde does that
/// schemars's schemas leave out (`tag` on a struct, `alias`, `other`, `flatten` of an `Option`), so
/// that the generated TypeScript types admit exactly what serde reads and writes. It takes every
/// attribute schemars's derive takes.
///
/// ```text
/// #[derive(Serialize, Deserialize, JsonSchema)]
/// #[serde(tag = "kind")]
/// pub struct Joined { #[serde(alias = "user")] pub name: String }
/// ```
#[proc_macro_derive(JsonSchema, attributes(schemars, serde, validate, garde))]
pub fn derive_json_schema(input: TokenStream) -> TokenStream {
    match json_schema::expand(input.into()) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// Environment variable that prints expansions (see the crate's documentation).
const EXPAND_ENV: &str = "WIRECHAN_EXPAND";

/// The expansion, or every collected error as `compile_error!` followed by `recovery`.
fn emit(which: &str, result: syn::Result<proc_macro2::TokenStream>, recovery: proc_macro2::TokenStream) -> TokenStream {
    match result {
        Ok(tokens) => {
            if std::env::var(EXPAND_ENV).is_ok_and(|asked| asked == which || asked == "all") {
                #[allow(clippy::print_stderr, reason = "the expansion the user asked to see")]
                {
                    eprintln!("// {which}! expands to:\n{tokens}\n");
                }
            }
            tokens.into()
        }
        Err(error) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(recovery);
            tokens.into()
        }
    }
}
