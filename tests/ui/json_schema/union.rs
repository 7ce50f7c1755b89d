use wirechan::prelude::*;

// A union has no serde shape: refused at the union.
#[derive(JsonSchema)]
pub union Bits {
    pub int: u32,
    pub float: f32,
}

fn main() {}
