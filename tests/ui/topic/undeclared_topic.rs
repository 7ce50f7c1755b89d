use wirechan::prelude::*;

#[derive(Topic)]
#[topic("news", payload = String)]
pub struct News;

// `News` derives `Topic` but no channel lists it in `topics`.
#[channel_func]
async fn announce(ctx: Ctx, text: String) -> Result<(), ChannelError> {
    ctx.hub().publish(&News, None, &text).await?;
    Ok(())
}

wire_channel! {
    name: "chat",
    route: "/chat",
    on_message_wiring: { action: { announce: announce } },
}

fn main() {}
