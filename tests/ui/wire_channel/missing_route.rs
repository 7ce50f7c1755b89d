use wirechan::prelude::*;

wire_channel! {
    name: "chat",
}

fn main() {}
