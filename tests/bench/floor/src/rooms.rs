//! Room membership: each room holds the outbound queues of the connections that joined it.

use std::collections::HashMap;

use parking_lot::RwLock;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// A member of a room: its connection id and outbound queue.
type Member = (u64, mpsc::Sender<Message>);

#[derive(Default)]
pub struct Rooms {
    rooms: RwLock<HashMap<String, Vec<Member>>>,
}

impl Rooms {
    pub fn join(&self, room: &str, id: u64, tx: mpsc::Sender<Message>) {
        self.rooms.write().entry(room.to_owned()).or_default().push((id, tx));
    }

    pub fn leave(&self, room: &str, id: u64) {
        let mut rooms = self.rooms.write();
        if let Some(members) = rooms.get_mut(room) {
            members.retain(|(member, _)| *member != id);
            if members.is_empty() {
                rooms.remove(room);
            }
        }
    }

    /// Offers the frame to every member; a full queue drops it. Returns how many took it.
    pub fn publish(&self, room: &str, frame: Utf8Bytes) -> usize {
        let rooms = self.rooms.read();
        let Some(members) = rooms.get(room) else { return 0 };
        members.iter().filter(|(_, tx)| tx.try_send(Message::Text(frame.clone())).is_ok()).count()
    }
}
