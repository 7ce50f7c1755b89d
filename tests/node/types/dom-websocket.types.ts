// With the DOM's declarations: the browser's `WebSocket` fits `options.WebSocket`, and the
// generated client compiles next to them.
import { connectChat, type WebSocketCtor } from '../../../examples/chat/web/chat-client.ts';

const ctor: WebSocketCtor = WebSocket;
export const explicit = () => connectChat('wss://chat.example', { room: 'general' }, { WebSocket: ctor });
export const global = () => connectChat(location.origin, { room: 'general' });
