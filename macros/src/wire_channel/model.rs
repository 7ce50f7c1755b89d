//! What a channel is, independent of how it was written. The first occurrence of an option
//! wins here; the check reports the others.

use proc_macro2::Span;
use syn::{Expr, Ident, LitBool, LitStr, Path, Type};

use super::parse::{Entry, HandlerEntry, HandlerSpec, Input, NameSpec, RoutingKeySpec, TopicSpec, Value};
use crate::naming;

/// One `wire_channel!` invocation.
pub(super) struct WireChannel {
    /// Values that did not parse, reported by the check with everything else.
    pub malformed: Vec<syn::Error>,
    /// Every top-level key in the order written, duplicates and unknown keys included.
    pub options: Vec<OptionUse>,
    /// `name`.
    pub name: Option<LitStr>,
    /// `route`.
    pub route: Option<LitStr>,
    /// `auth`.
    pub auth: Option<LitBool>,
    /// `binary`.
    pub binary: Option<LitBool>,
    /// `opening_data`.
    pub opening_data: Option<Type>,
    /// `module`.
    pub module: Option<Ident>,
    /// `on_connect`.
    pub on_connect: Option<Path>,
    /// `on_disconnect`.
    pub on_disconnect: Option<Path>,
    /// `on_message`: the fallback.
    pub on_message: Option<Handler>,
    /// `on_error`.
    pub on_error: Option<Expr>,
    /// `middleware`, outermost first.
    pub middleware: Vec<Expr>,
    /// `tags`.
    pub tags: Vec<LitStr>,
    /// `on_message_wiring`: routing keys in the order they are tried.
    pub wiring: Vec<RoutingKey>,
    /// `topics`, in the order written.
    pub topics: Vec<TopicSpec>,
}

/// A key as written, for the unknown- and duplicate-key checks.
pub(super) struct OptionUse {
    /// The key.
    pub key: String,
    /// Whether the macro knows it.
    pub known: bool,
    /// Where it was written.
    pub span: Span,
}

/// A wired function with its wiring options.
pub(super) struct Handler {
    /// Where the handler was written (the path, or the opening brace).
    pub span: Span,
    /// The function; `None` when the braced form lacks `func`.
    pub func: Option<Path>,
    /// The wiring's `auth` override.
    pub auth: Option<LitBool>,
    /// Middleware of this action only, outermost first.
    pub middleware: Vec<Expr>,
    /// The keys of the braced form, as written.
    pub options: Vec<OptionUse>,
}

/// A routing key and its actions.
pub(super) struct RoutingKey {
    /// The routing key.
    pub name: Name,
    /// Its actions, in the order written.
    pub actions: Vec<Action>,
}

/// One action.
pub(super) struct Action {
    /// The action's name: the routing key's value that selects it.
    pub name: Name,
    /// The function that serves it.
    pub handler: Handler,
}

/// A routing key or action name.
pub(super) struct Name {
    /// The name.
    pub value: String,
    /// Where it was written.
    pub span: Span,
}

/// An action with its routing key, as the runtime indexes actions: one flat list in
/// declaration order.
pub(super) struct FlatAction<'a> {
    /// The routing key's position.
    pub key_index: usize,
    /// The routing key.
    pub key: &'a Name,
    /// The action.
    pub action: &'a Action,
    /// The `PascalCase` name of its `ClientMessage`/`ServerMessage` variant and `actions::` type.
    pub variant: String,
}

impl WireChannel {
    /// Folds the parsed entries into the model.
    pub(super) fn new(input: Input) -> Self {
        let mut model = Self {
            malformed: Vec::new(),
            options: Vec::new(),
            name: None,
            route: None,
            auth: None,
            binary: None,
            opening_data: None,
            module: None,
            on_connect: None,
            on_disconnect: None,
            on_message: None,
            on_error: None,
            middleware: Vec::new(),
            tags: Vec::new(),
            wiring: Vec::new(),
            topics: Vec::new(),
        };
        for entry in input.entries {
            model.add(entry);
        }
        model
    }

    fn add(&mut self, entry: Entry) {
        let (key, span, value) = match entry {
            Entry::Unknown(ident) => {
                self.options.push(OptionUse { key: ident.to_string(), known: false, span: ident.span() });
                return;
            }
            Entry::Known(key, span, value) => (key, span, value),
        };
        let repeated = self.options.iter().any(|o| o.known && o.key == key);
        self.options.push(OptionUse { key: key.to_owned(), known: true, span });
        let value = match value {
            Ok(value) => value,
            Err(error) => {
                self.malformed.push(error);
                return;
            }
        };
        if repeated {
            return;
        }
        // The first occurrence wins, even if it is malformed.
        match value {
            Value::Name(v) => self.name = Some(v),
            Value::Route(v) => self.route = Some(v),
            Value::Auth(v) => self.auth = Some(v),
            Value::Binary(v) => self.binary = Some(v),
            Value::OpeningData(v) => self.opening_data = Some(v),
            Value::Module(v) => self.module = Some(v),
            Value::OnConnect(v) => self.on_connect = Some(v),
            Value::OnDisconnect(v) => self.on_disconnect = Some(v),
            Value::OnMessage(v) => self.on_message = Some(Handler::new(v)),
            Value::OnError(v) => self.on_error = Some(v),
            Value::Middleware(v) => self.middleware = v,
            Value::Tags(v) => self.tags = v,
            Value::Wiring(v) => self.wiring = v.into_iter().map(RoutingKey::new).collect(),
            Value::Topics(v) => self.topics = v,
        }
    }

    /// The generated module's name and where to report a problem with it: `module`, or the
    /// name in `snake_case`. `None` without a name.
    pub(super) fn module_name(&self) -> Option<(String, Span)> {
        match (&self.module, &self.name) {
            (Some(module), _) => Some((module.to_string(), module.span())),
            (None, Some(name)) => Some((naming::snake_case(&name.value()), name.span())),
            (None, None) => None,
        }
    }

    /// The actions of every routing key, in the runtime's order, with unique variant names.
    pub(super) fn flat_actions(&self) -> Vec<FlatAction<'_>> {
        let mut flat: Vec<FlatAction<'_>> = Vec::new();
        for (key_index, key) in self.wiring.iter().enumerate() {
            for action in &key.actions {
                let mut variant = naming::pascal_case(&action.name.value);
                if variant.is_empty() {
                    variant = format!("Action{}", flat.len());
                }
                flat.push(FlatAction { key_index, key: &key.name, action, variant });
            }
        }
        // `ServerMessage` has a `Connect` variant of its own when the channel has `on_connect`.
        let reserved: &[&str] = if self.on_connect.is_some() { &["Connect"] } else { &[] };
        let taken = |flat: &[FlatAction<'_>], i: usize| {
            reserved.contains(&flat[i].variant.as_str())
                || flat.iter().enumerate().any(|(j, other)| j != i && other.variant == flat[i].variant)
        };
        // Actions of different routing keys may share a name: prefix the routing key's name.
        let clashing: Vec<usize> = (0..flat.len()).filter(|&i| taken(&flat, i)).collect();
        for i in clashing {
            flat[i].variant = format!("{}{}", naming::pascal_case(&flat[i].key.value), flat[i].variant);
        }
        // Names that differ only in punctuation (`send-message`, `send_message`) still clash.
        let clashing: Vec<usize> = (0..flat.len()).filter(|&i| taken(&flat, i)).collect();
        for i in clashing {
            flat[i].variant = format!("{}{i}", flat[i].variant);
        }
        flat
    }
}

impl Handler {
    fn new(spec: HandlerSpec) -> Self {
        match spec {
            HandlerSpec::Path(path) => Self {
                span: syn::spanned::Spanned::span(&path),
                func: Some(path),
                auth: None,
                middleware: Vec::new(),
                options: Vec::new(),
            },
            HandlerSpec::Detailed(span, entries) => {
                let mut handler = Self { span, func: None, auth: None, middleware: Vec::new(), options: Vec::new() };
                for entry in entries {
                    let (key, span) = match &entry {
                        HandlerEntry::Func(s, _) => ("func", *s),
                        HandlerEntry::Auth(s, _) => ("auth", *s),
                        HandlerEntry::Middleware(s, _) => ("middleware", *s),
                        HandlerEntry::Unknown(ident) => {
                            handler.options.push(OptionUse {
                                key: ident.to_string(),
                                known: false,
                                span: ident.span(),
                            });
                            continue;
                        }
                    };
                    let repeated = handler.options.iter().any(|o| o.known && o.key == key);
                    handler.options.push(OptionUse { key: key.to_owned(), known: true, span });
                    if repeated {
                        continue;
                    }
                    match entry {
                        HandlerEntry::Func(_, path) => handler.func = Some(path),
                        HandlerEntry::Auth(_, auth) => handler.auth = Some(auth),
                        HandlerEntry::Middleware(_, mw) => handler.middleware = mw,
                        HandlerEntry::Unknown(_) => {}
                    }
                }
                handler
            }
        }
    }

    /// The wiring's `auth` override as a value.
    pub(super) fn auth(&self) -> Option<bool> {
        self.auth.as_ref().map(|b| b.value)
    }
}

impl RoutingKey {
    fn new(spec: RoutingKeySpec) -> Self {
        Self {
            name: Name::from(spec.key),
            actions: spec
                .actions
                .into_iter()
                .map(|(name, handler)| Action { name: Name::from(name), handler: Handler::new(handler) })
                .collect(),
        }
    }
}

impl From<NameSpec> for Name {
    fn from(spec: NameSpec) -> Self {
        Self { value: spec.value, span: spec.span }
    }
}
