use wirechan::prelude::*;

// Not marked `#[channel_func]`.
async fn send_message(_ctx: Ctx, text: String) -> usize {
    text.len()
}

wire_channel! {
    name: "chat",
    route: "/chat",
    on_message_wiring: {
        action: { sendMessage: send_message },
    },
}

fn main() {}
