use wirechan::prelude::*;

wire_channel! {
    name: "chat",
    route: "chat/:room",
}

wire_channel! {
    name: "lobby",
    route: "/lobby/:id/:id",
}

wire_channel! {
    name: "game",
    route: "/game//:match-id",
}

fn main() {}
