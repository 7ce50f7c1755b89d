//! Everything that can be wrong with a `wire_channel!`, all reported at once. Type-level
//! problems (a function without `#[channel_func]`, mismatched opening data) are left to the
//! compiler, through assertions that the expansion spans at the user's paths.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Path, Type};

use super::model::{Handler, OptionUse, RoutingKey, WireChannel};
use super::parse::{HANDLER_KEYS, channel_keys};
use crate::errors::{Errors, did_you_mean};
use crate::{naming, route, scope};

/// Items of the generated module that would shadow a user's name imported by `use super::*`.
const GENERATED_ITEMS: &[&str] =
    &["Channel", "NAME", "ROUTE", "manifest", "channel", "ClientMessage", "ServerMessage", "actions"];

/// Checks the channel; `Err` holds every error found.
pub(super) fn check(channel: &WireChannel) -> syn::Result<()> {
    let mut errors = Errors::default();
    for error in &channel.malformed {
        errors.push(error.clone());
    }
    check_options(&channel.options, "wire_channel! accepts", &channel_keys(), &mut errors);
    check_required(channel, &mut errors);
    check_route(channel, &mut errors);
    check_module(channel, &mut errors);
    if let Some(handler) = &channel.on_message {
        check_handler(handler, "`on_message: { ... }`", &mut errors);
    }
    check_routing_keys(&channel.wiring, &mut errors);
    check_actions(&channel.wiring, &mut errors);
    check_topics(channel, &mut errors);
    check_shadowing(channel, &mut errors);
    errors.finish()
}

/// Unknown keys (listing the accepted ones) and keys given twice.
fn check_options(options: &[OptionUse], accepts: &str, keys: &[&str], errors: &mut Errors) {
    for (i, option) in options.iter().enumerate() {
        if !option.known {
            let hint = did_you_mean(&option.key, keys);
            errors.at(option.span, format!("unknown option `{}`{hint}; {accepts}: {}", option.key, keys.join(", ")));
        } else if options[..i].iter().any(|o| o.known && o.key == option.key) {
            errors.at(option.span, format!("duplicate option `{}`; give it once", option.key));
        }
    }
}

/// `name` and `route` have no default.
fn check_required(channel: &WireChannel, errors: &mut Errors) {
    // A key given with a malformed value is already reported as such.
    let given = |key: &str| channel.options.iter().any(|o| o.known && o.key == key);
    match &channel.name {
        None if given("name") => {}
        None => errors.at(
            Span::call_site(),
            "wire_channel! needs `name: \"...\"`, the channel's unique name, e.g. `name: \"chat\"`",
        ),
        Some(name) if name.value().is_empty() => {
            errors.at(name.span(), "the channel's name may not be empty; e.g. `name: \"chat\"`");
        }
        Some(_) => {}
    }
    if channel.route.is_none() && !given("route") {
        errors.at(
            Span::call_site(),
            "wire_channel! needs `route: \"...\"`, the path it is served at, e.g. `route: \"/chat/:room\"`",
        );
    }
}

/// The runtime parses the route again when the channel is built; a route that it would refuse
/// is refused here instead, at compile time.
fn check_route(channel: &WireChannel, errors: &mut Errors) {
    if let Some(lit) = &channel.route
        && let Err(reason) = route::validate(&lit.value())
    {
        errors.at(
            lit.span(),
            format!("invalid route `{}`: {reason}; a valid route looks like {}", lit.value(), route::EXAMPLE),
        );
    }
}

/// The default module name comes from `name` and may not be an identifier.
fn check_module(channel: &WireChannel, errors: &mut Errors) {
    if channel.module.is_some() {
        return;
    }
    if let Some((module, span)) = channel.module_name()
        && !module.is_empty()
        && !naming::is_plain_ident(&module)
    {
        errors.at(
            span,
            format!(
                "this name gives the module name `{module}`, which is not a valid Rust identifier; \
                 choose the module's name with `module: some_name`"
            ),
        );
    }
}

/// A braced handler needs `func` and accepts only known keys.
fn check_handler(handler: &Handler, what: &str, errors: &mut Errors) {
    check_options(&handler.options, &format!("{what} accepts"), HANDLER_KEYS, errors);
    if handler.func.is_none() {
        errors
            .at(handler.span, format!("{what} needs `func: <function>`, e.g. `{{ func: send_message, auth: false }}`"));
    }
}

/// A routing key appears once: its actions are all listed in one block.
fn check_routing_keys(wiring: &[RoutingKey], errors: &mut Errors) {
    for (i, key) in wiring.iter().enumerate() {
        if key.name.value.is_empty() {
            errors.at(key.name.span, "a routing key may not be empty; e.g. `action`");
        } else if wiring[..i].iter().any(|k| k.name.value == key.name.value) {
            errors.at(
                key.name.span,
                format!(
                    "duplicate routing key `{}`; list all of its actions in one `{}: {{ ... }}` block",
                    key.name.value, key.name.value
                ),
            );
        }
    }
}

/// Within one routing key, an action name selects exactly one function.
fn check_actions(wiring: &[RoutingKey], errors: &mut Errors) {
    for key in wiring {
        for (i, action) in key.actions.iter().enumerate() {
            if action.name.value.is_empty() {
                errors.at(action.name.span, "an action name may not be empty; e.g. `sendMessage`");
            } else if key.actions[..i].iter().any(|a| a.name.value == action.name.value) {
                errors.at(
                    action.name.span,
                    format!(
                        "duplicate action `{}` under routing key `{}`; each action maps to one function \
                         — remove or rename one",
                        action.name.value, key.name.value
                    ),
                );
            }
            check_handler(&action.handler, "an action's `{ ... }`", errors);
        }
    }
}

/// Topic names are unique, and `subscribe`/`unsubscribe` are the routing keys of their frames.
fn check_topics(channel: &WireChannel, errors: &mut Errors) {
    for (i, topic) in channel.topics.iter().enumerate() {
        if topic.name.value.is_empty() {
            errors.at(topic.name.span, "a topic name may not be empty; e.g. `room`");
        } else if channel.topics[..i].iter().any(|t| t.name.value == topic.name.value) {
            errors.at(topic.name.span, format!("duplicate topic `{}`; declare each topic once", topic.name.value));
        }
    }
    if channel.topics.is_empty() {
        return;
    }
    for key in &channel.wiring {
        if ["subscribe", "unsubscribe"].contains(&key.name.value.as_str()) {
            errors.at(
                key.name.span,
                format!(
                    "`{}` is the routing key of topic subscription frames in a channel with `topics`; rename this routing key",
                    key.name.value
                ),
            );
        }
    }
}

/// A relative path whose first segment is also an item of the generated module would resolve
/// to that item rather than to the user's.
fn check_shadowing(channel: &WireChannel, errors: &mut Errors) {
    let handlers =
        channel.on_message.iter().chain(channel.wiring.iter().flat_map(|k| k.actions.iter().map(|a| &a.handler)));
    let paths = channel.on_connect.iter().chain(&channel.on_disconnect).chain(handlers.filter_map(|h| h.func.as_ref()));
    let authorizers = channel.topics.iter().filter_map(|t| t.subscribe.as_ref());
    for path in paths.chain(authorizers) {
        check_path_shadowing(path, errors);
    }
    for topic in &channel.topics {
        if let Type::Path(ty) = &topic.ty
            && ty.qself.is_none()
        {
            check_path_shadowing(&ty.path, errors);
        }
    }
    if let Some(Type::Path(ty)) = &channel.opening_data
        && ty.qself.is_none()
    {
        check_path_shadowing(&ty.path, errors);
    }
}

fn check_path_shadowing(path: &Path, errors: &mut Errors) {
    if !scope::is_glob_resolved(path) {
        return;
    }
    let Some(first) = path.segments.first() else { return };
    if let Some(item) = GENERATED_ITEMS.iter().find(|item| first.ident == item) {
        errors.at(
            path.span(),
            format!(
                "`{item}` is also the name of an item that wire_channel! generates, which would shadow \
                 yours here; write `self::{item}` (or a `crate::` path) to name yours"
            ),
        );
    }
}
