use wirechan::prelude::*;

// `since` and `recent` are the recovery members of a subscription frame.
#[derive(Topic)]
#[topic("feed:{since}", payload = String)]
pub struct Feed {
    pub since: String,
}

fn main() {}
