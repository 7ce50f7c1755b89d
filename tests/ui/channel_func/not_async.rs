use wirechan::prelude::*;

#[channel_func]
fn join(_ctx: Ctx) {}

fn main() {}
