use wirechan::prelude::*;

// Missing `Deserialize` and `JsonSchema`.
pub struct SendMessage {
    pub text: String,
}

#[channel_func]
async fn send_message(_ctx: Ctx, input: SendMessage) -> usize {
    input.text.len()
}

fn main() {}
