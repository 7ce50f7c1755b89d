use wirechan::prelude::*;

#[channel_func]
async fn send_message(_ctx: Ctx, text: String) -> usize {
    text.len()
}

#[channel_func]
async fn shout(_ctx: Ctx, text: String) -> String {
    text.to_uppercase()
}

wire_channel! {
    name: "chat",
    route: "/chat",
    on_message_wiring: {
        action: {
            sendMessage: send_message,
            sendMessage: shout,
        },
    },
}

fn main() {}
