// The Node baseline of scripts/bench: the flat-mode protocol of examples/echo (echo, join,
// publish) on `ws`, without permessage-deflate (its default on the server is off too).
// Environment: HOST (127.0.0.1), PORT (3000).
import { WebSocketServer } from 'ws';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);
const rooms = new Map(); // room -> Set of sockets

// The same listen backlog as wirechan's default (Node asks for 511), for the reconnect storm.
const wss = new WebSocketServer({ host, port, backlog: 4096, perMessageDeflate: false, maxPayload: 1 << 20 });

function error(action, code, message) {
  const err = { code, message };
  return JSON.stringify(action === undefined ? { error: err } : { action, error: err });
}

wss.on('connection', (ws) => {
  const joined = new Set();
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const text = data.toString();
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      ws.send(error(undefined, 'invalid_json', String(e)));
      return;
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      ws.send(error(undefined, 'invalid_json', 'not an object'));
      return;
    }
    const { action, room } = msg;
    if (action === 'echo') {
      // A flat-mode echo reply is the request itself: its input with the routing key.
      ws.send(text);
    } else if (action === 'echo_map') {
      // The reply built from the parsed input, as the echo channel's `echo_map` does.
      delete msg.action;
      ws.send(JSON.stringify({ action, ...msg }));
    } else if ((action === 'join' || action === 'publish') && typeof room !== 'string') {
      ws.send(error(action, 'invalid_input', 'missing field `room`'));
    } else if (action === 'join') {
      if (!joined.has(room)) {
        joined.add(room);
        if (!rooms.has(room)) rooms.set(room, new Set());
        rooms.get(room).add(ws);
      }
      ws.send(JSON.stringify({ action: 'join', joined: room }));
    } else if (action === 'publish') {
      delete msg.action;
      const frame = JSON.stringify({ topic: `room:${room}`, data: msg });
      const members = rooms.get(room) ?? new Set();
      for (const member of members) member.send(frame);
      ws.send(JSON.stringify({ action: 'publish', delivered: members.size }));
    } else {
      ws.send(error(action, 'unknown_action', 'no such action'));
    }
  });
  ws.on('close', () => {
    for (const room of joined) {
      const members = rooms.get(room);
      members?.delete(ws);
      if (members?.size === 0) rooms.delete(room);
    }
  });
  ws.on('error', () => {});
});

wss.on('listening', () => console.log(`bench-node: ws://${host}:${port}/echo`));
