use wirechan::prelude::*;

#[derive(Serialize, JsonSchema)]
pub struct Step {
    pub step: u32,
}

// Declares `Progress<Step>` but sends a `String`.
#[channel_func]
async fn work(progress: Progress<Step>) -> Result<(), ChannelError> {
    progress.send(&"half way".to_owned()).await?;
    Ok(())
}

wire_channel! {
    name: "jobs",
    route: "/jobs",
    on_message_wiring: { action: { work: work } },
}

fn main() {}
