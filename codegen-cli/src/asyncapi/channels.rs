//! One wirechan channel as an AsyncAPI channel (its route, opening data and frames) and its
//! operations: a `receive` with a `reply` per action, a `send` for the connect frame, errors and
//! publications.

use serde_json::{Value, json};
use wirechan_manifest::{ActionManifest, ChannelManifest, TopicManifest};

use super::frames;
use super::model::{
    Action, Channel, ChannelBindings, Message, Operation, Ordered, Parameter, Ref, Reply, Tag, WsChannelBinding,
};
use super::names::{Names, summary};
use super::schemas::{Direction, Schemas, sanitize};

/// The messages and operations wirechan itself adds to every channel; an action of the same name
/// takes a suffix.
const RESERVED: [&str; 4] = ["connect", "error", "publication", "message"];

/// Adds `channel` to `channels` and its operations to `operations`.
pub(super) fn add(
    channel: &ChannelManifest,
    schemas: &mut Schemas,
    channels: &mut Ordered<Channel>,
    operations: &mut Ordered<Operation>,
    operation_names: &mut Names,
) {
    let id = Names::from(channels.0.iter().map(|(k, _)| k.clone())).claim(&sanitize(&channel.name));
    let mut message_names = Names::from(RESERVED.iter().map(|s| (*s).to_owned()));
    let tags: Vec<Tag> = channel.tags.iter().map(|t| Tag { name: t.clone() }).collect();
    let channel_ref = Ref::to(format!("#/channels/{id}"));
    let message_ref = |key: &str| Ref::to(format!("#/channels/{id}/messages/{key}"));
    let mut messages: Ordered<Message> = Ordered::default();
    let mut operation = |key: &str, op: Operation| operations.insert(operation_names.claim(&format!("{id}.{key}")), op);

    if let Some(connect) = &channel.connect
        && let Some(payload) =
            schemas.add_root(connect.output.as_value(), Direction::Output, &format!("{}Connect", channel.name))
    {
        messages.insert("connect".to_owned(), message("connect", "Connect frame", &connect.summary, payload));
        operation(
            "connect",
            Operation {
                action: Action::Send,
                channel: channel_ref.clone(),
                title: "Greet a new connection".to_owned(),
                summary: summary(&connect.summary),
                description: format!(
                    "The first frame of every connection: what `{}` returns, sent as is (envelope mode: \
                     `{{\"event\":\"connect\",\"data\":...}}`).\n\n{}",
                    connect.function, connect.summary
                ),
                messages: vec![message_ref("connect")],
                reply: None,
                tags: tags.clone(),
            },
        );
    }

    for action in &channel.actions {
        let request_key = message_names.claim(&sanitize(&action.action));
        let reply_key = message_names.claim(&format!("{request_key}Reply"));
        let input = schemas.add_root(action.input.as_value(), Direction::Input, &format!("{}Input", action.action));
        let output = schemas.add_root(action.output.as_value(), Direction::Output, &format!("{}Output", action.action));
        let request = frames::request(&action.key, &action.action, input.as_ref());
        let reply = frames::reply(&action.key, &action.action, output.as_ref(), schemas);
        let title = format!("`{}`", action.action);
        let mut call = message(&request_key, &format!("{title} call"), &action.summary, request);
        if input.as_ref().is_some_and(|input| !frames::is_object(input, schemas)) {
            // The flat frame is the input's members plus the routing key: nothing else fits in it.
            let note = "Its input is not an object, so only envelope mode can carry it: `data` holds the input.";
            call.description = Some(match call.description.take() {
                Some(doc) => format!("{doc}\n\n{note}"),
                None => call.summary.as_ref().map_or_else(|| note.to_owned(), |s| format!("{s}\n\n{note}")),
            });
        }
        messages.insert(request_key.clone(), call);
        messages.insert(
            reply_key.clone(),
            message(&reply_key, &format!("{title} reply"), &format!("What `{}` returns.", action.function), reply),
        );
        if let Some(progress) = &action.progress {
            let progress_key = message_names.claim(&format!("{request_key}Progress"));
            let schema =
                schemas.add_root(progress.as_value(), Direction::Output, &format!("{}Progress", action.action));
            let frame = frames::reply(&action.key, &action.action, schema.as_ref(), schemas);
            messages.insert(
                progress_key.clone(),
                message(
                    &progress_key,
                    &format!("{title} progress"),
                    &format!(
                        "What `{}` sends while it runs (its `Progress`), shaped like its reply. Envelope mode: \
                         `{{\"{}\":\"{}\",\"id\":7,\"progress\":<value>}}` inside a call, `data` outside one.",
                        action.function, action.key, action.action
                    ),
                    frame,
                ),
            );
            operation(
                &progress_key,
                Operation {
                    action: Action::Send,
                    channel: channel_ref.clone(),
                    title: format!("Report the progress of {title}"),
                    summary: Some(format!("Progress of {title}, before its reply.")),
                    description: format!("Sent by `{}` while it runs, before its reply.", action.function),
                    messages: vec![message_ref(&progress_key)],
                    reply: None,
                    tags: tags.clone(),
                },
            );
        }
        operation(
            &request_key,
            Operation {
                action: Action::Receive,
                channel: channel_ref.clone(),
                title: format!("Call {title}"),
                summary: summary(&action.summary),
                description: action_description(action),
                messages: vec![message_ref(&request_key)],
                reply: Some(Reply {
                    channel: channel_ref.clone(),
                    messages: vec![message_ref(&reply_key), message_ref("error")],
                }),
                tags: tags.clone(),
            },
        );
    }

    if let Some(fallback) = &channel.fallback {
        let input =
            schemas.add_root(fallback.input.as_value(), Direction::Input, &format!("{}FallbackInput", channel.name));
        let output =
            schemas.add_root(fallback.output.as_value(), Direction::Output, &format!("{}FallbackOutput", channel.name));
        let reply_key = message_names.claim("messageReply");
        let any = || json!({});
        messages.insert(
            "message".to_owned(),
            message("message", "Any other frame", &fallback.summary, input.unwrap_or_else(any)),
        );
        messages.insert(
            reply_key.clone(),
            message(
                &reply_key,
                "Reply to any other frame",
                &format!(
                    "What `{}` returns: as is, or with the frame's routing key added like a reply.",
                    fallback.function
                ),
                output.unwrap_or_else(any),
            ),
        );
        operation(
            "message",
            Operation {
                action: Action::Receive,
                channel: channel_ref.clone(),
                title: "Any other frame".to_owned(),
                summary: summary(&fallback.summary),
                description: format!(
                    "A frame whose routing key matches no action goes, whole, to `{}` (`on_message`). {}\n\n{}",
                    fallback.function,
                    auth_note(fallback.auth),
                    fallback.summary
                ),
                messages: vec![message_ref("message")],
                reply: Some(Reply {
                    channel: channel_ref.clone(),
                    messages: vec![message_ref(&reply_key), message_ref("error")],
                }),
                tags: tags.clone(),
            },
        );
    }

    messages.insert(
        "error".to_owned(),
        message(
            "error",
            "Error",
            "A call failed, or a frame could not be routed (not JSON, not an object, no routing key). The \
             connection stays open.",
            frames::error(&channel.routing_keys),
        ),
    );
    operation(
        "error",
        Operation {
            action: Action::Send,
            channel: channel_ref.clone(),
            title: "Report an error".to_owned(),
            summary: Some("An error not tied to a call.".to_owned()),
            description: "Sent when a frame is not JSON, not an object or has no routing key; errors of calls are \
                          their replies."
                .to_owned(),
            messages: vec![message_ref("error")],
            reply: None,
            tags: tags.clone(),
        },
    );

    for topic in &channel.topics {
        add_topic(
            topic,
            &channel.name,
            schemas,
            &mut messages,
            &mut message_names,
            &mut |key, op| operation(key, op),
            &channel_ref,
            &tags,
            &message_ref,
        );
    }

    messages.insert(
        "publication".to_owned(),
        message(
            "publication",
            "Publication",
            "A publication on a topic the connection is subscribed to, or a broadcast to the channel.",
            frames::publication(&channel.name),
        ),
    );
    operation(
        "publication",
        Operation {
            action: Action::Send,
            channel: channel_ref.clone(),
            title: "Deliver a publication".to_owned(),
            summary: Some("A publication to a subscribed topic.".to_owned()),
            description: format!(
                "Handlers subscribe a connection to topics and publish to them; a broadcast to every connection \
                 of the channel is a publication on `channel:{}`. The same frame in both modes.",
                channel.name
            ),
            messages: vec![message_ref("publication")],
            reply: None,
            tags,
        },
    );

    let opening =
        schemas.add_root(channel.opening_data.as_value(), Direction::Input, &format!("{}OpeningData", channel.name));
    channels.insert(
        id,
        Channel {
            address: address(&channel.route),
            title: channel.name.clone(),
            description: channel_description(channel),
            parameters: parameters(channel, opening.as_ref(), schemas),
            messages,
            tags: channel.tags.iter().map(|t| Tag { name: t.clone() }).collect(),
            bindings: Some(ChannelBindings { ws: binding(channel, opening.as_ref(), schemas) }),
        },
    );
}

/// A declared topic: a message for its publications (the payload's schema), and for a topic
/// clients subscribe to, the `subscribe` and `unsubscribe` calls with their replies.
#[allow(clippy::too_many_arguments)]
fn add_topic(
    topic: &TopicManifest,
    channel: &str,
    schemas: &mut Schemas,
    messages: &mut Ordered<Message>,
    message_names: &mut Names,
    operation: &mut dyn FnMut(&str, Operation),
    channel_ref: &Ref,
    tags: &[Tag],
    message_ref: &dyn Fn(&str) -> Ref,
) {
    let base = sanitize(&topic.name);
    let key = message_names.claim(&format!("{base}Publication"));
    let payload = schemas
        .add_root(topic.payload.as_value(), Direction::Output, &format!("{}{}Payload", channel, topic.name))
        .unwrap_or_else(|| json!({ "type": "null" }));
    let mut who = match &topic.subscribe {
        Some(s) => format!("Clients subscribe to it (authorized by `{}`).", s.function),
        None => "Only the server subscribes connections to it.".to_owned(),
    };
    if let Some(history) = &topic.history {
        who.push_str(&format!(
            " It keeps a history (the last {} publications, for {}): each publication carries its position, \
             `offset` and `epoch`; a subscriber that a publication excludes (its publisher) gets the position \
             without `data`, and one whose queue dropped publications gets the last one's position with \
             `missed: true`.",
            history.size,
            crate::ts::duration(history.ttl_ms)
        ));
    }
    messages.insert(
        key.clone(),
        message(
            &key,
            &format!("`{}` publication", topic.name),
            &format!("A publication to the topic `{}` (`{}`). {who}", topic.name, topic.pattern),
            frames::topic_publication(&topic.pattern, payload, topic.history.is_some()),
        ),
    );
    operation(
        &key,
        Operation {
            action: Action::Send,
            channel: channel_ref.clone(),
            title: format!("Deliver a `{}` publication", topic.name),
            summary: Some(format!("A publication to `{}`.", topic.pattern)),
            description: format!(
                "Every publication to a `{}` topic the connection holds: `{{\"topic\":<name>,\"data\":<payload>}}`, \
                 the same frame in both modes. {who}",
                topic.pattern
            ),
            messages: vec![message_ref(&key)],
            reply: None,
            tags: tags.to_vec(),
        },
    );
    let Some(subscribe) = &topic.subscribe else { return };
    let params =
        schemas.add_root(subscribe.params.as_value(), Direction::Input, &format!("{}{}Params", channel, topic.name));
    let answer = json!({
        "type": "object",
        "properties": { "topic": { "description": "The topic's name, which its publications carry.", "type": "string" } },
        "required": ["topic"]
    });
    let mut started = answer.clone();
    let recovery = if topic.history.is_some() {
        frames::start_position(&mut started);
        " With `since` (the position of the last publication seen) the server sends what followed it, or \
         answers `recovered: false`; `recent` asks for the last publications when there is nothing to recover. \
         The answer carries the start position that the publications continue from."
    } else {
        ""
    };
    for (verb, doc) in [
        (
            "subscribe",
            format!(
                "Subscribes the connection to a `{}` topic, if `{}` lets it. {}{recovery}",
                topic.pattern,
                subscribe.function,
                auth_note(subscribe.auth)
            ),
        ),
        (
            "unsubscribe",
            format!("Leaves a `{}` topic (needs no session; leaving one not held succeeds).", topic.pattern),
        ),
    ] {
        let pascal = format!("{}{}", verb[..1].to_uppercase(), &verb[1..]);
        let request_key = message_names.claim(&format!("{base}{pascal}"));
        let reply_key = message_names.claim(&format!("{request_key}Reply"));
        let subscribing = verb == "subscribe" && topic.history.is_some();
        let mut request = frames::request(verb, &topic.name, params.as_ref());
        if subscribing {
            match request.get_mut("allOf").and_then(Value::as_array_mut) {
                Some(all) => all.push(frames::recovery()),
                None => request = json!({ "allOf": [request, frames::recovery()] }),
            }
        }
        messages.insert(request_key.clone(), message(&request_key, &format!("`{}` {verb}", topic.name), &doc, request));
        let (answer, what) = if subscribing {
            (&started, "The name of the topic and the start position.")
        } else {
            (&answer, "The name of the topic.")
        };
        messages.insert(
            reply_key.clone(),
            message(
                &reply_key,
                &format!("`{}` {verb} reply", topic.name),
                what,
                frames::reply(verb, &topic.name, Some(answer), schemas),
            ),
        );
        operation(
            &request_key,
            Operation {
                action: Action::Receive,
                channel: channel_ref.clone(),
                title: format!("{pascal} to `{}`", topic.name),
                summary: Some(format!("{pascal} a `{}` topic.", topic.name)),
                description: format!(
                    "{doc} Envelope mode: `{{\"{verb}\":\"{}\",\"id\":7,\"data\":<parameters>}}`, answered with \
                     `{{\"{verb}\":\"{}\",\"id\":7,\"data\":{{\"topic\":<name>}}}}` or the error (`forbidden`, \
                     `invalid_input`, `unknown_topic`, `too_many_topics`) with the same `id`.",
                    topic.name, topic.name
                ),
                messages: vec![message_ref(&request_key)],
                reply: Some(Reply {
                    channel: channel_ref.clone(),
                    messages: vec![message_ref(&reply_key), message_ref("error")],
                }),
                tags: tags.to_vec(),
            },
        );
    }
}

fn message(name: &str, title: &str, doc: &str, payload: Value) -> Message {
    let summary = summary(doc);
    let description = Some(doc.trim().to_owned()).filter(|d| !d.is_empty() && summary.as_ref() != Some(d));
    Message { name: name.to_owned(), title: title.to_owned(), summary, description, payload }
}

fn auth_note(auth: bool) -> &'static str {
    if auth {
        "Needs a signed-in session: without one the reply is the `unauthorized` error."
    } else {
        "Needs no session."
    }
}

fn action_description(action: &ActionManifest) -> String {
    format!(
        "Runs `{}` for frames whose `{}` is `{}`. {} Envelope mode: `{{\"{}\":\"{}\",\"id\":7,\"data\":<input>}}`, \
         answered with `{{\"{}\":\"{}\",\"id\":7,\"data\":<output>}}` or the error with the same `id`.\n\n{}",
        action.function,
        action.key,
        action.action,
        auth_note(action.auth),
        action.key,
        action.action,
        action.key,
        action.action,
        action.summary
    )
}

fn channel_description(channel: &ChannelManifest) -> String {
    let keys: Vec<String> = channel.routing_keys.iter().map(|k| format!("`{k}`")).collect();
    format!(
        "The `{}` channel. Opening it is an HTTP upgrade of `GET {}`; its opening data (path parameters and \
         query string) is checked before the upgrade (HTTP 400 `invalid_opening_data` otherwise). Frames are \
         JSON objects routed by {} (tried in that order). {} The messages show flat mode; a client that offers \
         the subprotocol `wirechan.v1` gets envelope mode (see the document's description).",
        channel.name,
        channel.route,
        keys.join(", "),
        if channel.auth {
            "Actions need a signed-in session unless they say otherwise."
        } else {
            "Actions need no session unless they say otherwise."
        }
    )
}

/// `/rooms/:room` as `/rooms/{room}`.
fn address(route: &str) -> String {
    route
        .split('/')
        .map(|segment| segment.strip_prefix(':').map_or_else(|| segment.to_owned(), |p| format!("{{{p}}}")))
        .collect::<Vec<_>>()
        .join("/")
}

/// The opening data as a plain object schema (`properties`, `required`), when it is one.
fn opening_object<'a>(opening: Option<&Value>, schemas: &'a Schemas) -> Option<&'a serde_json::Map<String, Value>> {
    let target = opening?.get("$ref")?.as_str()?;
    let object = schemas.resolve(target)?.as_object()?;
    (object.get("type").and_then(Value::as_str) == Some("object") && object.contains_key("properties"))
        .then_some(object)
}

fn parameters(channel: &ChannelManifest, opening: Option<&Value>, schemas: &Schemas) -> Ordered<Parameter> {
    let object = opening_object(opening, schemas);
    let mut parameters = Ordered::default();
    for param in &channel.params {
        let doc = object
            .and_then(|o| o.get("properties")?.get(param)?.get("description")?.as_str())
            .map(|d| format!(" {d}"))
            .unwrap_or_default();
        parameters
            .insert(param.clone(), Parameter { description: format!("Path parameter of the opening data.{doc}") });
    }
    parameters
}

/// The upgrade request: the query string (the opening data without the path parameters) and the
/// subprotocol header that picks envelope mode.
fn binding(channel: &ChannelManifest, opening: Option<&Value>, schemas: &Schemas) -> WsChannelBinding {
    let query = match opening_object(opening, schemas) {
        Some(_) if channel.params.is_empty() => opening.cloned(),
        Some(object) => {
            let mut query = object.clone();
            if let Some(Value::Object(properties)) = query.get_mut("properties") {
                properties.retain(|name, _| !channel.params.contains(name));
            }
            if let Some(Value::Array(required)) = query.get_mut("required") {
                required.retain(|name| !name.as_str().is_some_and(|n| channel.params.iter().any(|p| p == n)));
            }
            Some(Value::Object(query))
        }
        None => None,
    };
    WsChannelBinding {
        method: "GET",
        query,
        headers: json!({
            "type": "object",
            "properties": {
                "Sec-WebSocket-Protocol": {
                    "description": "`wirechan.v1` for envelope mode (ids, concurrent calls); absent for flat mode.",
                    "type": "string",
                    "enum": ["wirechan.v1"]
                }
            }
        }),
        binding_version: "0.1.0",
    }
}
