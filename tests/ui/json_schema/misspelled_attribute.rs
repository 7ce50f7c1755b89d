use wirechan::prelude::*;

// A schemars attribute with a typo: reported once, at the attribute, as schemars's derive would.
#[derive(Deserialize, JsonSchema)]
pub struct Point {
    #[schemars(rnage(min = 0))]
    pub x: i32,
}

fn main() {}
