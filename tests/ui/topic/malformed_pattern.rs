use wirechan::prelude::*;

// A parameter must be a whole `:`-separated segment.
#[derive(Topic)]
#[topic("room-{room}", payload = String)]
pub struct Room {
    pub room: String,
}

// `{game}` is no field, and `round` is in no segment.
#[derive(Topic)]
#[topic("game:{game}", payload = String)]
pub struct Game {
    pub id: u64,
    pub round: u32,
}

// A parameter must implement `Display`.
#[derive(Topic)]
#[topic("at:{place}", payload = String)]
pub struct At {
    pub place: Vec<String>,
}

fn main() {}
