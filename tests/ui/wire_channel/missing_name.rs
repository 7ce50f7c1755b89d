use wirechan::prelude::*;

wire_channel! {
    route: "/chat",
    module: chat,
}

fn main() {}
