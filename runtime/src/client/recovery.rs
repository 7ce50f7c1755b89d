//! What the client does with the positions of a topic with history (docs/PROTOCOL.md, "Topics
//! with history"): deliver a publication only when it is the next offset of the same epoch, skip
//! one seen already, and on anything else subscribe again with `since` and hold the topic's
//! publications until the answer; on `recovered: false`, tell the application before anything
//! after it. So a subscription either gets every publication once and in order, or a [`Gap`].

use std::collections::VecDeque;

use serde_json::Value;
use tokio::sync::mpsc;

use crate::Position;

/// Publications held while a subscription is answered; past it they are dropped and asked for
/// again with `since`.
const HOLD_LIMIT: usize = 1024;

/// Publications of a topic that a subscription missed and cannot get back (the topic's history
/// was lost, or it was away longer than the history keeps): what depends on them should be
/// reloaded. Yielded by [`super::Subscription`] in place, before anything published after them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("publications of `{topic}` after {from:?} were missed, up to {to:?}: reload what depends on them")]
pub struct Gap {
    /// The topic's name, e.g. `room:lobby`.
    pub topic: String,
    /// The position of the last publication delivered before the gap (`None` if none was).
    pub from: Option<Position>,
    /// Where the subscription goes on from: the next publication delivered is the one after it.
    pub to: Position,
}

/// What a subscription's stream receives.
#[derive(Debug)]
pub(super) enum Event {
    Publication(Value, Option<Position>),
    Gap(Gap),
}

/// One subscription's position, and what it holds while a subscription frame is answered.
#[derive(Debug, Default)]
pub(super) struct Tracker {
    position: Option<Position>,
    /// A subscription frame is on its way: publications wait for its answer.
    pending: bool,
    held: VecDeque<(Position, Frame)>,
    overflowed: bool,
    /// A gap the application's stream had no room for yet: sent before anything else.
    unsent: Option<Gap>,
}

/// Whether the subscription must be made again with `since` (a gap was seen).
pub(super) type Repair = bool;

/// A frame of a topic with history, at its position.
#[derive(Debug)]
pub(super) enum Frame {
    /// A publication.
    Publication(Value),
    /// The position alone of a publication this connection was excluded from.
    Excluded,
    /// The server dropped publications up to this position.
    Missed,
}

impl Tracker {
    /// The position to resume from.
    pub(super) fn since(&self) -> Option<&Position> {
        self.position.as_ref()
    }

    /// A subscription frame was sent: hold publications until its answer.
    pub(super) fn subscribing(&mut self) {
        self.pending = true;
    }

    /// A frame with a position.
    pub(super) fn offer(&mut self, at: Position, data: Frame, out: &mpsc::Sender<Event>) -> Repair {
        if self.pending {
            if self.held.len() >= HOLD_LIMIT {
                self.held.clear();
                self.overflowed = true;
            } else if !self.overflowed {
                self.held.push_back((at, data));
            }
            return false;
        }
        self.apply(at, data, out)
    }

    /// The answer to a subscription frame: its start position and `recovered`, if the topic
    /// has history; then what was held, in order.
    pub(super) fn answered(&mut self, topic: &str, answer: &Value, out: &mpsc::Sender<Event>) -> Repair {
        self.pending = false;
        let start = match (answer.get("epoch").and_then(Value::as_str), answer.get("offset").and_then(Value::as_u64)) {
            (Some(epoch), Some(offset)) => Position { epoch: epoch.to_owned(), offset },
            // No history: nothing to follow.
            _ => return false,
        };
        if answer.get("recovered") == Some(&Value::Bool(false)) {
            let gap = Gap { topic: topic.to_owned(), from: self.position.take(), to: start.clone() };
            self.position = Some(start);
            self.tell(gap, out);
        } else if self.position.is_none() {
            self.position = Some(start);
        }
        if std::mem::take(&mut self.overflowed) {
            self.held.clear();
            self.pending = true;
            return true;
        }
        while let Some((at, data)) = self.held.pop_front() {
            if self.apply(at, data, out) {
                // What follows the gap comes again with the replay.
                self.held.clear();
                return true;
            }
        }
        false
    }

    fn apply(&mut self, at: Position, data: Frame, out: &mpsc::Sender<Event>) -> Repair {
        let next = match &self.position {
            None => true,
            Some(p) if p.epoch == at.epoch && at.offset <= p.offset => return false,
            Some(p) => p.epoch == at.epoch && at.offset == p.offset + 1,
        };
        if !next || matches!(data, Frame::Missed) || !self.deliver(data, &at, out) {
            self.pending = true;
            return true;
        }
        self.position = Some(at);
        false
    }

    /// Hands a publication to the application; `false` if its stream is full (the publication
    /// is then asked for again, so a slow reader misses nothing either).
    fn deliver(&mut self, data: Frame, at: &Position, out: &mpsc::Sender<Event>) -> bool {
        if let Some(gap) = self.unsent.take()
            && let Err(e) = out.try_send(Event::Gap(gap))
        {
            self.unsent = match e.into_inner() {
                Event::Gap(gap) => Some(gap),
                Event::Publication(..) => None,
            };
            return false;
        }
        match data {
            Frame::Publication(data) => {
                out.try_send(Event::Publication(data, Some(at.clone()))).is_ok() || out.is_closed()
            }
            Frame::Excluded | Frame::Missed => true,
        }
    }

    fn tell(&mut self, gap: Gap, out: &mpsc::Sender<Event>) {
        if let Err(e) = out.try_send(Event::Gap(gap))
            && let Event::Gap(gap) = e.into_inner()
        {
            self.unsent = Some(gap);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(epoch: &str, offset: u64) -> Position {
        Position { epoch: epoch.to_owned(), offset }
    }

    fn drain(rx: &mut mpsc::Receiver<Event>) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(event) = rx.try_recv() {
            out.push(match event {
                Event::Publication(data, Some(p)) => format!("{}@{}", data, p.offset),
                Event::Publication(data, None) => format!("{data}"),
                Event::Gap(g) => format!("gap {:?}->{}", g.from.map(|p| p.offset), g.to.offset),
            });
        }
        out
    }

    #[test]
    fn holds_until_the_answer_then_delivers_in_order_once() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut t = Tracker::default();
        t.subscribing();
        assert!(!t.offer(at("e", 3), Frame::Publication(json!(3)), &tx));
        assert!(!t.offer(at("e", 2), Frame::Publication(json!(2)), &tx));
        assert!(drain(&mut rx).is_empty(), "held until the answer");
        // 3 came before 2 (never on one connection, but the rule is the same): 3 is a gap, and
        // what follows it comes again with the replay.
        assert!(t.answered("t", &json!({ "epoch": "e", "offset": 1 }), &tx));
        assert_eq!(drain(&mut rx), Vec::<String>::new());
        assert_eq!(t.since(), Some(&at("e", 1)));
    }

    #[test]
    fn a_skipped_offset_asks_for_a_replay_and_duplicates_are_skipped() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut t = Tracker::default();
        t.subscribing();
        assert!(!t.answered("t", &json!({ "epoch": "e", "offset": 0 }), &tx));
        assert!(!t.offer(at("e", 1), Frame::Publication(json!("a")), &tx));
        assert!(t.offer(at("e", 3), Frame::Publication(json!("c")), &tx), "2 was skipped");
        assert_eq!(t.since(), Some(&at("e", 1)));
        // The replay, then the answer: 2 and 3 once, 1 not again.
        for (n, d) in [(1, "a"), (2, "b"), (3, "c")] {
            assert!(!t.offer(at("e", n), Frame::Publication(json!(d)), &tx));
        }
        assert!(!t.answered("t", &json!({ "epoch": "e", "offset": 1, "recovered": true }), &tx));
        assert!(!t.offer(at("e", 4), Frame::Excluded, &tx), "a position alone moves on");
        assert!(!t.offer(at("e", 3), Frame::Missed, &tx), "a notice of what was seen already changes nothing");
        assert!(!t.offer(at("e", 5), Frame::Publication(json!("e")), &tx));
        assert_eq!(drain(&mut rx), ["\"a\"@1", "\"b\"@2", "\"c\"@3", "\"e\"@5"]);
    }

    #[test]
    fn not_recovered_is_a_gap_before_anything_after_it() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut t = Tracker::default();
        t.subscribing();
        t.answered("t", &json!({ "epoch": "e", "offset": 4 }), &tx);
        t.offer(at("e", 5), Frame::Publication(json!(5)), &tx);
        // Another epoch: the client asks again, and the answer says it is not recovered.
        assert!(t.offer(at("f", 1), Frame::Publication(json!(1)), &tx));
        t.offer(at("f", 1), Frame::Publication(json!(1)), &tx);
        assert!(!t.answered("t", &json!({ "epoch": "f", "offset": 0, "recovered": false }), &tx));
        assert_eq!(drain(&mut rx), ["5@5", "gap Some(5)->0", "1@1"]);
    }

    #[test]
    fn a_notice_of_missed_publications_asks_for_them() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut t = Tracker::default();
        t.subscribing();
        t.answered("t", &json!({ "epoch": "e", "offset": 0 }), &tx);
        assert!(!t.offer(at("e", 1), Frame::Publication(json!(1)), &tx));
        assert!(t.offer(at("e", 2), Frame::Missed, &tx), "2 was dropped, at the tail: asked for");
        assert!(!t.offer(at("e", 2), Frame::Publication(json!(2)), &tx), "held: the replay is on its way");
        assert!(!t.answered("t", &json!({ "epoch": "e", "offset": 1, "recovered": true }), &tx));
        assert_eq!(drain(&mut rx), ["1@1", "2@2"]);
    }

    #[test]
    fn a_full_hold_or_a_full_stream_asks_again_instead_of_losing() {
        let (tx, mut rx) = mpsc::channel(1);
        let mut t = Tracker::default();
        t.subscribing();
        for n in 1..=(HOLD_LIMIT as u64 + 1) {
            t.offer(at("e", n), Frame::Publication(json!(n)), &tx);
        }
        assert!(t.answered("t", &json!({ "epoch": "e", "offset": 0 }), &tx), "overflowed: asks again");
        assert!(drain(&mut rx).is_empty());
        t.answered("t", &json!({ "epoch": "e", "offset": 0, "recovered": true }), &tx);
        assert!(!t.offer(at("e", 1), Frame::Publication(json!(1)), &tx));
        assert!(t.offer(at("e", 2), Frame::Publication(json!(2)), &tx), "the stream is full: 2 is asked for again");
        assert_eq!(drain(&mut rx), ["1@1"]);
        assert_eq!(t.since(), Some(&at("e", 1)));
    }
}
