//! Per channel: the `<Name>Channel` spec (types of opening data, first frame and actions), the
//! `<name>Channel` run-time description and `connect<Name>`, as the client runtime expects them.

use std::collections::BTreeSet;

use heck::{ToLowerCamelCase, ToUpperCamelCase};
use wirechan_manifest::{ActionManifest, ChannelManifest, Manifest, TopicManifest};

use super::TsError;
use super::registry::{Direction, Registry, RootType};
use super::render::{Loc, Position, Renderer, Ts, notes};
use super::syntax::{duration, indent, is_identifier, jsdoc, property_name, sanitize_identifier, string_literal};

/// Widest single-line action entry before it is broken over lines.
const MAX_ACTION_LINE: usize = 110;

/// One channel, its roots registered.
pub(super) struct ChannelPlan<'a> {
    channel: &'a ChannelManifest,
    /// `ChatChannel`: the spec interface.
    pub spec: String,
    /// `chatChannel`: the run-time description.
    pub meta: String,
    /// `connectChat`.
    pub connect_fn: String,
    opening: RootType,
    connect: Option<RootType>,
    /// Each action with its input, output and what it sends while it runs (`None`: nothing).
    actions: Vec<(&'a ActionManifest, RootType, RootType, Option<RootType>)>,
    /// Each topic with its parameters (`None`: a topic only the server subscribes, whose
    /// parameters are its pattern's, as text) and its payload.
    topics: Vec<(&'a TopicManifest, Option<RootType>, RootType)>,
}

/// Registers every schema of every channel (in manifest order) and names the channels' items.
pub(super) fn plan<'a>(manifest: &'a Manifest, registry: &mut Registry) -> Result<Vec<ChannelPlan<'a>>, TsError> {
    let mut plans: Vec<ChannelPlan<'a>> = Vec::new();
    for channel in &manifest.channels {
        let pascal = sanitize_identifier(&channel.name.to_upper_camel_case());
        let spec = format!("{pascal}Channel");
        let meta = sanitize_identifier(&format!("{}Channel", channel.name.to_lower_camel_case()));
        if let Some(other) = plans.iter().find(|p| p.spec == spec || p.meta == meta) {
            return Err(TsError::Clash(format!(
                "channels `{}` and `{}` both become `{spec}` in TypeScript; give one of them another name",
                other.channel.name, channel.name
            )));
        }
        let at = |what: &str| format!("channel `{}`, {what}", channel.name);
        let opening = registry.add_root(channel.opening_data.as_value(), Direction::Input, &at("opening data"))?;
        let connect = match &channel.connect {
            Some(f) => Some(registry.add_root(
                f.output.as_value(),
                Direction::Output,
                &at(&format!("`{}` output", f.function)),
            )?),
            None => None,
        };
        let mut actions = Vec::new();
        let mut seen: Vec<&ActionManifest> = Vec::new();
        for action in &channel.actions {
            if let Some(first) = seen.iter().find(|a| a.action == action.action) {
                return Err(TsError::Clash(format!(
                    "channel `{}` wires action `{}` under the routing keys `{}` and `{}`; the TypeScript client names \
                     actions by their value, so give them different names",
                    channel.name, action.action, first.key, action.key
                )));
            }
            seen.push(action);
            let input = registry.add_root(
                action.input.as_value(),
                Direction::Input,
                &at(&format!("action `{}` input", action.action)),
            )?;
            let output = registry.add_root(
                action.output.as_value(),
                Direction::Output,
                &at(&format!("action `{}` output", action.action)),
            )?;
            let progress = match &action.progress {
                Some(schema) => Some(registry.add_root(
                    schema.as_value(),
                    Direction::Output,
                    &at(&format!("action `{}` progress", action.action)),
                )?),
                None => None,
            };
            actions.push((action, input, output, progress));
        }
        let mut topics = Vec::new();
        for topic in &channel.topics {
            let at_topic = |what: &str| at(&format!("topic `{}` {what}", topic.name));
            let params = match &topic.subscribe {
                Some(subscribe) => {
                    Some(registry.add_root(subscribe.params.as_value(), Direction::Input, &at_topic("parameters"))?)
                }
                None => None,
            };
            let payload = registry.add_root(topic.payload.as_value(), Direction::Output, &at_topic("payload"))?;
            topics.push((topic, params, payload));
        }
        plans.push(ChannelPlan {
            channel,
            spec,
            meta,
            connect_fn: format!("connect{pascal}"),
            opening,
            connect,
            actions,
            topics,
        });
    }
    Ok(plans)
}

/// The names the channels' items take, which types must avoid.
pub(super) fn item_names(plans: &[ChannelPlan<'_>]) -> BTreeSet<String> {
    plans.iter().flat_map(|p| [p.spec.clone(), p.meta.clone(), p.connect_fn.clone()]).collect()
}

/// The channels' items, after the types.
pub(super) fn render(
    plans: &[ChannelPlan<'_>],
    registry: &Registry,
    renderer: &Renderer<'_>,
) -> Result<String, TsError> {
    let mut out = String::new();
    for plan in plans {
        out.push('\n');
        out.push_str(&spec(plan, registry, renderer)?);
        out.push('\n');
        out.push_str(&meta(plan));
        out.push('\n');
        out.push_str(&connect_fn(plan));
    }
    Ok(out)
}

fn root_ts(
    root: &RootType,
    registry: &Registry,
    renderer: &Renderer<'_>,
    level: usize,
    origin: &str,
) -> Result<Ts, TsError> {
    match root {
        RootType::Unit => Ok(plain("void")),
        RootType::Named(direction, key) => {
            let name = registry.name(*direction, key).expect("every registered type is named");
            Ok(plain(name))
        }
        RootType::Inline(direction, body) => {
            renderer.expr(body, *direction, level, Position::Top, &Loc::new(origin, None))
        }
    }
}

fn plain(text: &str) -> Ts {
    Ts::atom(text)
}

fn spec(plan: &ChannelPlan<'_>, registry: &Registry, renderer: &Renderer<'_>) -> Result<String, TsError> {
    let c = plan.channel;
    let origin = |what: &str| format!("channel `{}`, {what}", c.name);
    let mut doc = vec![format!(
        "The `{}` channel at `{}`: the types of its opening data, first frame and actions.",
        c.name, c.route
    )];
    if !c.tags.is_empty() {
        doc.push(format!("Tags: {}.", c.tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")));
    }
    if let Some(fallback) = &c.fallback {
        doc.push(format!(
            "Messages that match no action go to its `on_message` fallback (`{}`), which this spec does not type.",
            fallback.function
        ));
    }
    let mut out = jsdoc(&doc, 0);
    out.push_str(&format!("export interface {} extends ChannelSpec {{\n", plan.spec));
    out.push_str(&format!("  name: {};\n", string_literal(&c.name)));
    out.push_str(&format!("  route: {};\n", string_literal(&c.route)));
    let opening = root_ts(&plan.opening, registry, renderer, 1, &origin("opening data"))?;
    let params = if c.params.is_empty() {
        "the query string".to_owned()
    } else {
        format!(
            "the route's params ({}) and the query string",
            c.params.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        )
    };
    let opening_doc = match plan.opening {
        RootType::Unit => "No opening data.".to_owned(),
        _ => format!("Opening data: {params} of the upgrade request."),
    };
    let mut doc = vec![opening_doc];
    doc.extend(inline_notes("Opening data", &plan.opening));
    out.push_str(&jsdoc(&doc, 1));
    out.push_str(&format!("  openingData:{};\n", opening.after_colon()));
    let (connect, connect_doc) = match (&c.connect, &plan.connect) {
        (Some(f), Some(root)) => {
            let ts = root_ts(root, registry, renderer, 1, &origin("on_connect output"))?;
            let doc = if ts.text == "void" {
                format!("`{}` sends nothing first.", f.function)
            } else {
                format!("The first frame, what `{}` returns. {}", f.function, f.summary)
            };
            (ts, doc)
        }
        _ => (plain("void"), "No `on_connect`: the server sends nothing first.".to_owned()),
    };
    let mut doc = vec![connect_doc];
    doc.extend(plan.connect.iter().flat_map(|root| inline_notes("First frame", root)));
    out.push_str(&jsdoc(&doc, 1));
    out.push_str(&format!("  connect:{};\n", connect.after_colon()));
    out.push_str("  actions: {\n");
    for (action, input_root, output_root, progress_root) in &plan.actions {
        let at = |what: &str| origin(&format!("action `{}` {what}", action.action));
        let input = root_ts(input_root, registry, renderer, 3, &at("input"))?;
        let output = root_ts(output_root, registry, renderer, 3, &at("output"))?;
        let progress = match progress_root {
            Some(root) => root_ts(root, registry, renderer, 3, &at("progress"))?,
            None => plain("never"),
        };
        let session = if action.auth { "Needs a session." } else { "Works without a session." };
        let mut doc = vec![action.summary.clone(), session.to_owned()];
        doc.extend(inline_notes("Input", input_root));
        doc.extend(inline_notes("Output", output_root));
        if let Some(root) = progress_root {
            doc.push("Sends progress (a push outside a call with an id) while it runs.".to_owned());
            doc.extend(inline_notes("Progress", root));
        }
        out.push_str(&jsdoc(&doc, 2));
        let name = property_name(&action.action);
        let key = string_literal(&action.key);
        let line = format!(
            "    {name}: {{ key: {key}; input:{}; output:{}; progress:{} }};",
            input.after_colon(),
            output.after_colon(),
            progress.after_colon()
        );
        if !line.contains('\n') && line.len() <= MAX_ACTION_LINE {
            out.push_str(&line);
            out.push('\n');
        } else {
            out.push_str(&format!(
                "    {name}: {{\n      key: {key};\n      input:{};\n      output:{};\n      progress:{};\n    }};\n",
                input.after_colon(),
                output.after_colon(),
                progress.after_colon()
            ));
        }
    }
    out.push_str("  };\n");
    out.push_str(&topics_spec(plan, registry, renderer)?);
    out.push_str("}\n");
    Ok(out)
}

/// `topics: { room: { params: ..; payload: ..; subscribe: true } }`.
fn topics_spec(plan: &ChannelPlan<'_>, registry: &Registry, renderer: &Renderer<'_>) -> Result<String, TsError> {
    if plan.topics.is_empty() {
        return Ok("  topics: {};\n".to_owned());
    }
    let mut out = String::from("  topics: {\n");
    for (topic, params_root, payload_root) in &plan.topics {
        let origin = |what: &str| format!("channel `{}`, topic `{}` {what}", plan.channel.name, topic.name);
        let params = match params_root {
            Some(root) => root_ts(root, registry, renderer, 3, &origin("parameters"))?,
            None if topic.params.is_empty() => plain("Record<string, never>"),
            None => {
                let members: Vec<String> =
                    topic.params.iter().map(|p| format!("{}: string | number", property_name(p))).collect();
                plain(&format!("{{ {} }}", members.join("; ")))
            }
        };
        let payload = root_ts(payload_root, registry, renderer, 3, &origin("payload"))?;
        let who = match &topic.subscribe {
            Some(s) => {
                let session = if s.auth { "needs a session" } else { "works without a session" };
                format!("The client subscribes to it (authorized by `{}`, which {session}). {}", s.function, s.summary)
            }
            None => "Only the server subscribes connections to it.".to_owned(),
        };
        let mut doc = vec![format!("Topic `{}`: publications to `{}`. {who}", topic.name, topic.pattern)];
        if let Some(history) = &topic.history {
            let recovers = if topic.subscribe.is_some() {
                " A subscription gets each publication once and in order across reconnects, or is told of a gap \
                 (`onGap`); `recent` asks for the last ones first."
            } else {
                ""
            };
            doc.push(format!(
                "History: the last {} publications, kept for {}; each carries its position.{recovers}",
                history.size,
                duration(history.ttl_ms)
            ));
        }
        if let Some(root) = params_root {
            doc.extend(inline_notes("Parameters", root));
        }
        doc.extend(inline_notes("Payload", payload_root));
        out.push_str(&jsdoc(&doc, 2));
        let subscribe = topic.subscribe.is_some();
        let history = topic.history.is_some();
        out.push_str(&format!(
            "    {}: {{\n      params:{};\n      payload:{};\n      subscribe: {subscribe};\n      history: {history};\n    }};\n",
            property_name(&topic.name),
            params.after_colon(),
            payload.after_colon()
        ));
    }
    out.push_str("  };\n");
    Ok(out)
}

/// Notes on the formats of an anonymous input or output (a named type carries its own).
fn inline_notes(what: &str, root: &RootType) -> Vec<String> {
    match root {
        RootType::Inline(_, body) => notes(body).into_iter().map(|n| format!("{what}: {n}")).collect(),
        RootType::Unit | RootType::Named(..) => Vec::new(),
    }
}

fn meta(plan: &ChannelPlan<'_>) -> String {
    let c = plan.channel;
    let list = |items: &[String]| items.iter().map(|s| string_literal(s)).collect::<Vec<_>>().join(", ");
    let mut out = jsdoc(&[format!("What the client needs at run time about the `{}` channel.", c.name)], 0);
    out.push_str(&format!("export const {}: ChannelMeta = {{\n", plan.meta));
    out.push_str(&format!("  name: {},\n", string_literal(&c.name)));
    out.push_str(&format!("  route: {},\n", string_literal(&c.route)));
    out.push_str(&format!("  params: [{}],\n", list(&c.params)));
    out.push_str(&format!("  routingKeys: [{}],\n", list(&c.routing_keys)));
    if plan.actions.is_empty() {
        out.push_str("  actions: {},\n");
    } else {
        out.push_str("  actions: {\n");
        for (action, ..) in &plan.actions {
            out.push_str(&format!(
                "    {}: {{ key: {} }},\n",
                property_name(&action.action),
                string_literal(&action.key)
            ));
        }
        out.push_str("  },\n");
    }
    if plan.topics.is_empty() {
        out.push_str("  topics: {},\n");
    } else {
        out.push_str("  topics: {\n");
        for (topic, _, _) in &plan.topics {
            out.push_str(&format!(
                "    {}: {{ pattern: {}, subscribe: {} }},\n",
                property_name(&topic.name),
                string_literal(&topic.pattern),
                topic.subscribe.is_some()
            ));
        }
        out.push_str("  },\n");
    }
    out.push_str("};\n");
    out
}

fn connect_fn(plan: &ChannelPlan<'_>) -> String {
    let c = plan.channel;
    let (spec, meta, name) = (&plan.spec, &plan.meta, &plan.connect_fn);
    debug_assert!(is_identifier(name));
    let doc = jsdoc(
        &[format!(
            "Connects to the `{}` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens `{}` with \
             `openingData` as its params and query, and reconnects until `close()`.",
            c.name, c.route
        )],
        0,
    );
    format!(
        "{doc}export function {name}(\n{i}url: string,\n{i}openingData: {spec}['openingData'],\n{i}options?: ClientOptions<{spec}>,\n): \
         ChannelClient<{spec}> {{\n{i}return connectChannel<{spec}>({meta}, url, openingData, options);\n}}\n",
        i = indent(1)
    )
}
