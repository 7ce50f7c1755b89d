use wirechan::prelude::*;

wire_channel! {
    name: "chat",
    route: "/chat",
}

wire_channel! {
    name: "chat",
    route: "/chat-v2",
    module: chat_v2,
}

bootstrap! { chat, chat_v2 }

fn main() {}
