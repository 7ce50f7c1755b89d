// Every frame that real clients of the chat example receive, checked against the AsyncAPI
// document: the chat binary ($CHAT_BIN) runs on a free port, two flat-mode clients sign in, one
// enters the other's room by a client subscription (with `recent`), they chat, the one who
// entered subscribes again from a position it saw (`since`: the room keeps a history) and from
// one the server cannot recover, they leave the room and close; each frame received is matched
// to the message it must be (a publication to `room:..` is a `roomPublication`, a reply to
// `sendMessage` a `sendMessageReply`, ..) and must validate against that message's payload. The
// frames must include positioned publications, a position alone (for a publication that excluded
// its receiver) and both kinds of recovery answers. Usage: CHAT_BIN=... node live-frames.mjs
// <asyncapi.json>.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import Ajv from 'ajv';
import { Parser } from '@asyncapi/parser';
import { freePort } from '../../browser/free-port.mjs';

const [docFile] = process.argv.slice(2);
const bin = process.env.CHAT_BIN;
if (!docFile || !bin) {
  console.error('usage: CHAT_BIN=<chat example binary> node live-frames.mjs <asyncapi.json>');
  process.exit(2);
}
if (typeof globalThis.WebSocket !== 'function') {
  console.error('live-frames.mjs needs the global WebSocket: run node with --experimental-websocket on Node 20');
  process.exit(2);
}
const { document } = await new Parser().parse(await readFile(docFile, 'utf8'), { source: docFile });
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
const validators = new Map(document.allMessages().all().map((m) => [m.id(), ajv.compile(m.payload().json())]));

const SECRET = 'live-frames-secret';
function token(sub, name) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub, name, exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

const port = await freePort();
const server = spawn(bin, [], { env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), CHAT_JWT_SECRET: SECRET, RUST_LOG: 'warn' }, stdio: 'ignore' });
process.on('exit', () => server.kill('SIGKILL'));
for (let started = Date.now(); ; ) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/health-check`)).ok) break;
  } catch {
    // Not listening yet.
  }
  if (Date.now() - started > 20_000) throw new Error('the chat server did not start in 20 s');
  await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The message a received flat-mode frame must be. */
function messageOf(frame) {
  if ('error' in frame) return 'error';
  if ('subscribe' in frame) return 'roomSubscribeReply';
  if ('unsubscribe' in frame) return 'roomUnsubscribeReply';
  if ('topic' in frame) return typeof frame.topic === 'string' && frame.topic.startsWith('room:') ? 'roomPublication' : 'publication';
  if ('welcome' in frame) return 'connect';
  return `${frame.action}Reply`;
}

const received = [];
function open(room) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/chat?room=${room}`);
  const waiting = [];
  const frames = [];
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    received.push(frame);
    frames.push(frame);
    waiting.shift()?.(frame);
  };
  const next = () => new Promise((resolve) => (frames.length > waiting.length ? resolve(frames[waiting.length]) : waiting.push(resolve)));
  return {
    socket,
    frames,
    opened: new Promise((resolve) => (socket.onopen = resolve)),
    send: (frame) => socket.send(JSON.stringify(frame)),
    async until(predicate) {
      for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
        const found = frames.find(predicate);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no frame as expected among ${JSON.stringify(frames)}`);
    },
  };
}

const ada = open('live');
const bob = open('elsewhere');
await Promise.all([ada.opened, bob.opened]);
ada.send({ action: 'sendMessage', message: 'too early' });
ada.send({ action: 'authenticate', token: token('ada', 'Ada') });
bob.send({ action: 'authenticate', token: token('bob', 'Bob') });
await ada.until((f) => f.action === 'authenticate');
await bob.until((f) => f.action === 'authenticate');
bob.send({ subscribe: 'room', room: 'live', recent: 10 });
bob.send({ subscribe: 'room', room: '' });
await bob.until((f) => f.subscribe === 'room' && 'topic' in f);
ada.send({ action: 'sendMessage', message: 'Hello Bob' });
const hello = await bob.until((f) => 'data' in f && f.data.message === 'Hello Bob');
bob.send({ action: 'sendMessage', message: 'Hi Ada', room: 'live' });
await ada.until((f) => 'data' in f && f.data.message === 'Hi Ada');
// Bob's own message reaches him as its position alone; he subscribes again from a position he saw
// (the server sends what followed it) and from one of another epoch (it cannot).
await bob.until((f) => f.topic === 'room:live' && !('data' in f));
bob.send({ subscribe: 'room', room: 'live', since: { epoch: hello.epoch, offset: hello.offset - 1 } });
await bob.until((f) => f.recovered === true);
bob.send({ subscribe: 'room', room: 'live', since: { epoch: 'not-an-epoch', offset: 1 }, recent: 1 });
await bob.until((f) => f.recovered === false);
bob.send({ unsubscribe: 'room', room: 'live' });
await bob.until((f) => f.unsubscribe === 'room');
const other = open('live');
await other.opened;
ada.socket.close();
await other.until((f) => 'data' in f && 'left' in f.data);
bob.socket.close();
other.socket.close();

let failures = 0;
const seen = new Map();
for (const frame of received) {
  const id = messageOf(frame);
  seen.set(id, (seen.get(id) ?? 0) + 1);
  const check = validators.get(id);
  if (!check) {
    failures++;
    console.log(`no message \`${id}\` in ${docFile} for ${JSON.stringify(frame)}`);
  } else if (!check(frame)) {
    failures++;
    console.log(`${id}: ${JSON.stringify(frame)} does not match: ${ajv.errorsText(check.errors)}`);
  }
}
for (const id of ['connect', 'authenticateReply', 'sendMessageReply', 'error', 'roomPublication', 'roomSubscribeReply', 'roomUnsubscribeReply']) {
  if (!seen.has(id)) {
    failures++;
    console.log(`the clients received no \`${id}\` frame`);
  }
}
const rooms = received.filter((f) => typeof f.topic === 'string' && f.topic.startsWith('room:') && !('subscribe' in f || 'unsubscribe' in f));
for (const [what, found] of [
  ['a publication with its position', rooms.some((f) => 'data' in f && Number.isInteger(f.offset) && typeof f.epoch === 'string')],
  ['a position alone', rooms.some((f) => !('data' in f) && Number.isInteger(f.offset))],
  ['a recovered subscription', received.some((f) => f.subscribe === 'room' && f.recovered === true)],
  ['a subscription that could not recover', received.some((f) => f.subscribe === 'room' && f.recovered === false)],
]) {
  if (!found) {
    failures++;
    console.log(`the clients received no frame with ${what}`);
  }
}
const counts = [...seen].map(([id, n]) => `${id} ${n}`).join(', ');
console.log(`${docFile}: ${received.length} frames real clients received (${counts}), ${failures} failures`);
process.exit(failures > 0 ? 1 : 0);
