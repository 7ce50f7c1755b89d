//! Type-level description of one wired action, generated as `<channel>::actions::<Action>`; the
//! test client uses it to type calls and replies.

/// One action of a channel: its routing key, name, input and output types.
pub trait ActionSpec {
    /// The routing key the action is wired under (e.g. `action`).
    const KEY: &'static str;
    /// The action's name (the routing key's value).
    const NAME: &'static str;
    /// What the client sends.
    type Input;
    /// What the server replies.
    type Output;
}
