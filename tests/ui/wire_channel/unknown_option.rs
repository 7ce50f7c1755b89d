use wirechan::prelude::*;

wire_channel! {
    name: "chat",
    route: "/chat",
    bianry: true,
}

fn main() {}
