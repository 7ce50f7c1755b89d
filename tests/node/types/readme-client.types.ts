// The client example of README.md ("TypeScript client"), kept compiling.
import WebSocket from 'ws'; // only on Node 20: browsers and Node 22+ have a global WebSocket
import { ChannelCallError, connectChat } from '../../../examples/chat/web/chat-client.ts';

declare const token: string;

const chat = connectChat('ws://127.0.0.1:3000', { room: 'general' }, { WebSocket });
chat.onState((state) => console.log(state)); // connecting | open | reconnecting | closed
chat.onTopic('room:general', (data) => console.log('published:', data));

// Replayed by the client after every reconnect, so the session survives a server restart.
await chat.call('authenticate', { token }, { restore: true });
try {
  const sent = await chat.call('sendMessage', { message: 'Hello' }, { timeoutMs: 5000 });
  console.log(sent.timestamp); // typed from the Rust output: { message: string; timestamp: number }
} catch (e) {
  if (e instanceof ChannelCallError) console.log(e.code, e.message, e.details); // e.g. invalid_input
}
chat.close(); // stops reconnecting
