use wirechan::prelude::*;

#[channel_func(auht = false)]
async fn join(_ctx: Ctx) {}

fn main() {}
