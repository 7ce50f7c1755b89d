//! A channel that uses every option of `wire_channel!`, a second channel with defaults, and a
//! bootstrap of both; `main` checks what the macros generated.

use wirechan::prelude::*;
use wirechan::{ActionSpec, ErrorEvent, ErrorKind, Invocation, Next, Reply};

#[derive(Deserialize, JsonSchema)]
pub struct Room {
    pub room: String,
}

pub struct Services {
    pub greeting: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct Token {
    pub token: String,
}

#[derive(Deserialize, JsonSchema, Debug, PartialEq)]
pub struct SendMessage {
    pub text: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Sent {
    pub id: u64,
}

#[derive(Serialize, JsonSchema)]
pub struct Welcome {
    pub text: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct Pair {
    pub a: u64,
    pub b: u64,
}

/// Greets the newcomer.
#[channel_func]
async fn join(ctx: Ctx<Room, Services>) -> Welcome {
    Welcome { text: format!("{} {}", ctx.services().greeting, ctx.opening_data().room) }
}

/// Says goodbye.
#[channel_func]
async fn leave(_ctx: Ctx<Room, Services>) {}

/// Signs in.
#[channel_func(auth = false)]
async fn authenticate(ctx: Ctx<Room, Services>, input: Token) -> Result<bool, ChannelError> {
    if input.token.is_empty() {
        return Err(ChannelError::unauthorized("empty token"));
    }
    ctx.session().set(input.token);
    Ok(true)
}

/// Sends a message.
/// Second line.
#[channel_func(auth = true)]
pub async fn send_message(_ctx: Ctx<Room, Services>, mut input: SendMessage) -> Result<Sent, ChannelError> {
    input.text.push('!');
    Ok(Sent { id: input.text.len() as u64 })
}

/// Adds two numbers; needs no context.
#[channel_func(auth = false)]
async fn add(input: Pair) -> u64 {
    input.a + input.b
}

mod api {
    /// Detected as a `Result` by its name: the output is its first argument.
    pub type Result<T> = core::result::Result<T, wirechan::ChannelError>;
}

/// Echoes its input (a `Result` through an alias).
#[channel_func]
async fn echo(input: String) -> api::Result<String> {
    Ok(input)
}

/// Takes and returns nothing, explicitly.
#[channel_func]
async fn nothing(_ctx: Ctx<Room, Services>, _input: ()) {}

/// Whatever no routing key matched.
#[channel_func]
async fn fallback(ctx: Ctx<Room, Services>) -> Option<&'static str> {
    ctx.action()
}

mod handlers {
    use wirechan::prelude::*;

    /// Answers `pong`.
    #[channel_func]
    pub async fn ping() -> String {
        "pong".to_owned()
    }
}

async fn audit(_inv: Invocation, next: Next) -> Result<Reply, ChannelError> {
    next.run().await
}

async fn rate_limit(_inv: Invocation, next: Next) -> Result<Reply, ChannelError> {
    next.run().await
}

fn log_error(event: &ErrorEvent<'_>) {
    if let ErrorKind::Sent(e) = &event.kind {
        eprintln!("{}: {}", event.channel, e.code());
    }
}

wire_channel! {
    name: "chat-room",
    route: "/chat/:room",
    module: chat,
    auth: true,
    binary: true,
    opening_data: Room,
    on_connect: join,
    on_disconnect: self::leave,
    on_message: { func: fallback, auth: false },
    on_error: |event| log_error(event),
    middleware: [audit],
    tags: ["chat", "public"],
    on_message_wiring: {
        action: {
            authenticate: { func: authenticate, auth: false },
            sendMessage: { func: self::send_message, middleware: [rate_limit, audit] },
            "kebab-name": add,
        },
        type: {
            ping: crate::handlers::ping,
            sendMessage: echo,
        },
        "op": {
            nothing: nothing,
        },
    },
}

mod nested {
    use super::*;

    // Defaults everywhere; `super::` paths and context-free functions that fit any channel.
    wire_channel! {
        name: "Lobby",
        route: "/",
        on_message: super::handlers::ping,
        on_message_wiring: { op: { add: super::add } },
    }
}

use nested::lobby;

bootstrap! { chat, lobby }

fn main() {
    check_constants();
    check_manifest();
    check_messages();
    check_action_specs();
    check_bootstrap();
    check_direct_calls();
}

fn check_constants() {
    assert_eq!(chat::NAME, "chat-room");
    assert_eq!(chat::ROUTE, "/chat/:room");
    assert_eq!(lobby::NAME, "Lobby");
    assert_eq!(lobby::ROUTE, "/");
    let channel = chat::channel::<Services>();
    assert_eq!(channel.name(), "chat-room");
    assert_eq!(channel.route(), "/chat/:room");
}

fn check_manifest() {
    let m = chat::manifest();
    assert_eq!(m.name, "chat-room");
    assert_eq!(m.params, ["room"]);
    assert_eq!(m.routing_keys, ["action", "type", "op"]);
    assert_eq!(m.tags, ["chat", "public"]);
    assert!(m.auth);
    let actions: Vec<(&str, &str, &str, bool)> =
        m.actions.iter().map(|a| (a.key.as_str(), a.action.as_str(), a.function.as_str(), a.auth)).collect();
    assert_eq!(
        actions,
        [
            ("action", "authenticate", "authenticate", false),
            ("action", "sendMessage", "send_message", true),
            ("action", "kebab-name", "add", false),
            ("type", "ping", "ping", true),
            ("type", "sendMessage", "echo", true),
            ("op", "nothing", "nothing", true),
        ]
    );
    assert_eq!(m.actions[1].summary, "Sends a message.\nSecond line.");
    let connect = m.connect.expect("on_connect is wired");
    assert_eq!((connect.function.as_str(), connect.summary.as_str()), ("join", "Greets the newcomer."));
    assert_eq!(m.disconnect.expect("on_disconnect is wired").function, "leave");
    let fallback = m.fallback.expect("on_message is wired");
    assert_eq!((fallback.function.as_str(), fallback.auth), ("fallback", false));

    let lobby = lobby::manifest();
    assert!(lobby.auth, "auth defaults to true");
    assert!(lobby.params.is_empty());
    assert!(lobby.connect.is_none() && lobby.disconnect.is_none());
    assert_eq!(lobby.fallback.expect("on_message is wired").function, "ping");
    assert_eq!(lobby.actions.len(), 1);
    assert!(!lobby.actions[0].auth, "`#[channel_func(auth = false)]` applies when the wiring says nothing");
}

fn check_messages() {
    let decoded = chat::ClientMessage::decode("action", "sendMessage", r#"{"text":"hi"}"#).expect("valid input");
    assert_eq!((decoded.key(), decoded.action()), ("action", "sendMessage"));
    match decoded {
        // Two actions are named `sendMessage`: the routing key prefixes both variants.
        chat::ClientMessage::ActionSendMessage(input) => assert_eq!(input, SendMessage { text: "hi".to_owned() }),
        _ => panic!("decoded the wrong variant"),
    }
    let echo = chat::ClientMessage::decode("type", "sendMessage", r#""hello""#).expect("valid input");
    assert!(matches!(echo, chat::ClientMessage::TypeSendMessage(ref s) if s == "hello"));
    assert!(matches!(chat::ClientMessage::decode("op", "nothing", ""), Ok(chat::ClientMessage::Nothing(()))));
    assert!(matches!(
        chat::ClientMessage::decode("action", "kebab-name", r#"{"a":1,"b":2}"#),
        Ok(chat::ClientMessage::KebabName(Pair { a: 1, b: 2 }))
    ));

    let invalid = chat::ClientMessage::decode("action", "sendMessage", r#"{"txt":"hi"}"#).err().expect("invalid");
    assert_eq!(invalid.code(), wirechan::codes::INVALID_INPUT);
    let unknown = chat::ClientMessage::decode("action", "shout", "{}").err().expect("unknown");
    assert_eq!(unknown.code(), wirechan::codes::UNKNOWN_ACTION);

    let welcome = chat::ServerMessage::Connect(Welcome { text: "hi".to_owned() });
    assert_eq!(welcome.action(), None);
    assert_eq!(welcome.to_json().to_string(), r#"{"text":"hi"}"#);
    let sent = chat::ServerMessage::ActionSendMessage(Sent { id: 7 });
    assert_eq!((sent.key(), sent.action()), (Some("action"), Some("sendMessage")));
    assert_eq!(sent.to_json().to_string(), r#"{"id":7}"#);
    assert_eq!(chat::ServerMessage::Ping("pong".to_owned()).to_json().to_string(), r#""pong""#);
}

fn check_action_specs() {
    fn spec<A: ActionSpec<Input = I, Output = O>, I, O>() -> (&'static str, &'static str) {
        (A::KEY, A::NAME)
    }
    assert_eq!(spec::<chat::actions::KebabName, Pair, u64>(), ("action", "kebab-name"));
    assert_eq!(spec::<chat::actions::ActionSendMessage, SendMessage, Sent>(), ("action", "sendMessage"));
    assert_eq!(spec::<chat::actions::TypeSendMessage, String, String>(), ("type", "sendMessage"));
    assert_eq!(spec::<chat::actions::Nothing, (), ()>(), ("op", "nothing"));
    assert_eq!(spec::<lobby::actions::Add, Pair, u64>(), ("op", "add"));
}

fn check_bootstrap() {
    let names: Vec<&str> = bootstrap::channels::<Services>().iter().map(|c| c.name()).collect();
    assert_eq!(names, ["chat-room", "Lobby"]);
    let manifest = bootstrap::manifest();
    assert_eq!(manifest.version, wirechan::MANIFEST_VERSION);
    let routes: Vec<&str> = manifest.channels.iter().map(|c| c.route.as_str()).collect();
    assert_eq!(routes, ["/chat/:room", "/"]);
}

fn check_direct_calls() {
    // The functions stay callable under their own names.
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    assert_eq!(rt.block_on(add(Pair { a: 2, b: 3 })), 5);
    assert_eq!(rt.block_on(handlers::ping()), "pong");
    assert_eq!(rt.block_on(echo("x".to_owned())).ok(), Some("x".to_owned()));
}
