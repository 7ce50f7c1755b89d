// Every problem of one signature is reported at once.
use wirechan::prelude::*;

#[channel_func(auth = "yes", auth = true)]
async fn send<T>(_ctx: &Ctx, _a: &str, _b: u32) {}

fn main() {}
