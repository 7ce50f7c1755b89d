// The client example of README.md ("TypeScript client"), kept compiling.
import WebSocket from 'ws'; // only on Node 20: browsers and Node 22+ have a global WebSocket
import { ChannelCallError, connectChat } from '../../../examples/chat/web/chat-client.ts';

declare function getToken(): Promise<string>;

const chat = connectChat('ws://127.0.0.1:3000', { room: 'general' }, {
  WebSocket,
  // Signs in as each connection opens (before anything else is sent) and again ahead of the
  // session's expiry, on the same socket: the session survives reconnects and token lifetimes.
  session: { action: 'authenticate', input: async () => ({ token: await getToken() }), expiresAt: (out) => out.expiresAt },
});
chat.onState((state) => console.log(state)); // connecting | open | reconnecting | closed
// A room's events, typed from the Rust payload (`RoomEvent`): the client subscribes (here with the
// room's last 50 messages), and after every reconnect subscribes again from the last one it got,
// in order, before anything queued is sent: each message once, in order, or a gap.
const lobby = chat.topic('room', { room: 'lobby' }, { recent: 50 });
lobby.on((event) => console.log('message' in event ? `${event.from}: ${event.message}` : event));
lobby.onGap((gap) => console.log('missed some messages, reload the room', gap.from, gap.to));

await chat.opened();
try {
  await lobby.ready; // rejects with the server's refusal (forbidden, invalid_input, ..)
  const sent = await chat.call('sendMessage', { message: 'Hello', room: 'lobby' }, { timeoutMs: 5000 });
  console.log(sent.timestamp); // typed from the Rust output: { message: string; timestamp: number }
} catch (e) {
  if (e instanceof ChannelCallError) console.log(e.code, e.message, e.details); // e.g. invalid_input
}
await lobby.unsubscribe();
chat.close(); // stops reconnecting
