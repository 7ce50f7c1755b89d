use wirechan::prelude::*;

wire_channel! {
    name: "chat",
    route: "/chat",
}

bootstrap! { chat, self::chat, chat }

fn main() {}
