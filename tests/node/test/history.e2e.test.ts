// End-to-end tests of topics with history (docs/PROTOCOL.md, "Topics with history") with the
// generated chat client against the chat example's binary, whose rooms keep their last 100
// messages: a client whose connection is cut (through a TCP proxy) while messages go on gets
// exactly the ones it missed after it reconnects, in order and once; after a server restart (the
// in-memory history is lost) it is told of the gap. A client entering a room gets its recent
// messages.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import {
  connectChat,
  type ChannelClient,
  type ChatChannel,
  type ConnectionState,
  type Gap,
  type HistorySubscription,
  type Position,
  type RoomEvent,
} from '../../../examples/chat/web/chat-client.ts';
import { ChatServer, signToken } from '../support/chat-server.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const TIMEOUT = { timeout: 60_000 };

let server: ChatServer;
let proxy: TcpProxy;
const clients: ChannelClient<ChatChannel>[] = [];

before(async () => {
  server = await ChatServer.start();
  proxy = await TcpProxy.start(server.port);
});

after(async () => {
  for (const client of clients) client.close();
  await proxy?.close();
  await server?.kill();
});

/** A client signed in as `name` (again after every reconnect), in its own room `home`. */
function connect(name: string, home: string, url = server.url): ChannelClient<ChatChannel> {
  const client = connectChat(url, { room: home }, {
    WebSocket,
    callTimeoutMs: 5000,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    session: { action: 'authenticate', input: () => ({ token: signToken(name.toLowerCase(), name) }) },
  });
  clients.push(client);
  return client;
}

/** What a subscription delivered, in order: each event with the position it came at, and each gap. */
type Seen = { event: RoomEvent; at: Position } | { gap: Gap };

function record(subscription: HistorySubscription<RoomEvent>): Seen[] {
  const seen: Seen[] = [];
  subscription.on((event) => {
    const at = subscription.position;
    assert.ok(at !== null, 'a publication of a topic with history is delivered with its position');
    seen.push({ event, at: { ...at } });
  });
  subscription.onGap((gap) => seen.push({ gap }));
  return seen;
}

/** The texts of the messages among `seen`. */
function texts(seen: Seen[]): string[] {
  return seen.flatMap((s) => ('event' in s && 'message' in s.event ? [s.event.message] : []));
}

/** Waits (up to 10 s) until `check` holds. */
async function until(check: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves once `client` reports `state`. */
function reaches(client: ChannelClient<ChatChannel>, state: ConnectionState): Promise<void> {
  return new Promise((resolve) => {
    if (client.state === state) return resolve();
    const stop = client.onState((now) => {
      if (now === state) {
        stop();
        resolve();
      }
    });
  });
}

describe('topics with history, against the chat example', () => {
  test('a client cut off while messages go on gets exactly the missed ones after it reconnects, then is told of a restart', TIMEOUT, async () => {
    const room = 'history';
    // Carol watches the room on a connection that is never cut; Bob writes; Alice is cut off.
    const carol = connect('Carol', room);
    const bob = connect('Bob', room);
    const alice = connect('Alice', 'alice-home', proxy.url);
    const carolSub = carol.topic('room', { room });
    const aliceSub = alice.topic('room', { room }, { recent: 10 });
    const byCarol = record(carolSub);
    const byAlice = record(aliceSub);
    const aliceStates: ConnectionState[] = [];
    alice.onState((state) => aliceStates.push(state));
    await Promise.all([carolSub.ready, aliceSub.ready, bob.opened()]);

    const say = async (text: string) => {
      await bob.call('sendMessage', { message: text });
    };
    for (const text of ['m0', 'm1', 'm2']) await say(text);
    await until(() => texts(byAlice).length === 3, () => JSON.stringify(byAlice));

    // Alice's connection is cut and her reconnects are refused while Bob goes on.
    proxy.cut();
    await reaches(alice, 'reconnecting');
    for (const text of ['m3', 'm4', 'm5', 'm6', 'm7']) await say(text);
    await until(() => texts(byCarol).includes('m7'), () => JSON.stringify(byCarol));
    assert.deepEqual(texts(byAlice), ['m0', 'm1', 'm2'], 'nothing reached Alice while she was cut off');

    proxy.resume();
    await reaches(alice, 'open');
    await until(() => texts(byAlice).includes('m7'), () => JSON.stringify(byAlice));
    await say('m8');
    await until(() => texts(byAlice).includes('m8') && texts(byCarol).includes('m8'), () => JSON.stringify(byAlice));

    // Exactly the missed ones, in order, once, at the positions everyone saw them at.
    assert.deepEqual(texts(byAlice), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    assert.ok(aliceStates.includes('reconnecting'), `the socket was lost: ${aliceStates.join(', ')}`);
    assert.ok(!byAlice.some((s) => 'gap' in s), 'no gap');
    const positioned = (seen: Seen[]) => seen.flatMap((s) => ('event' in s ? [s] : []));
    const carolSaw = positioned(byCarol);
    const carolFrom = carolSaw.findIndex((s) => 'message' in s.event && s.event.message === 'm0');
    // Carol, never cut off, saw every publication of the room: its offsets follow one another.
    for (let i = 1; i < carolSaw.length; i++) {
      assert.equal(carolSaw[i]!.at.epoch, carolSaw[0]!.at.epoch);
      assert.equal(carolSaw[i]!.at.offset, carolSaw[i - 1]!.at.offset + 1, `Carol's offsets: ${JSON.stringify(carolSaw)}`);
    }
    // Alice saw the same from m0 on, less Alice's own arrivals (a publication that excludes her
    // reaches her as its position alone).
    const notHers = carolSaw.slice(carolFrom).filter((s) => !('joined' in s.event && s.event.joined === 'Alice'));
    assert.deepEqual(positioned(byAlice).slice(-notHers.length), notHers);
    assert.deepEqual(positioned(byAlice).map((s) => s.event).slice(0, -notHers.length), [], 'nothing before m0 (the room had no message)');

    // The server restarts: its in-memory history is gone, the topic has a new epoch, and Alice is
    // told where she jumped from and to, before what comes after.
    await until(
      () => aliceSub.position?.offset === carolSub.position?.offset,
      () => `${JSON.stringify(aliceSub.position)} ${JSON.stringify(carolSub.position)}`,
    );
    const reached = aliceSub.position;
    assert.ok(reached !== null);
    await server.kill();
    await reaches(alice, 'reconnecting');
    await server.restart();
    await Promise.all([alice.opened(), bob.opened(), carol.opened()]);
    await until(() => byAlice.some((s) => 'gap' in s), () => JSON.stringify(byAlice));
    const gap = byAlice.find((s): s is { gap: Gap } => 'gap' in s)!.gap;
    assert.deepEqual(gap.from, reached);
    assert.notEqual(gap.to.epoch, reached.epoch, 'a new epoch');
    assert.deepEqual(aliceSub.position?.epoch, gap.to.epoch);
    await say('m9');
    await until(() => texts(byAlice).includes('m9'), () => JSON.stringify(byAlice));
    const afterGap = byAlice.slice(byAlice.findIndex((s) => 'gap' in s));
    assert.deepEqual(texts(afterGap), ['m9']);
    assert.equal(byAlice.filter((s) => 'gap' in s).length, 1, 'one gap');
    const m9 = afterGap.find((s) => 'event' in s && 'message' in s.event && s.event.message === 'm9');
    assert.ok(m9 !== undefined && 'at' in m9 && m9.at.epoch === gap.to.epoch && m9.at.offset > gap.to.offset);
    // Carol was told too.
    await until(() => byCarol.some((s) => 'gap' in s), () => JSON.stringify(byCarol));
  });

  test('entering a room with `recent` delivers its last messages first, then the live ones', TIMEOUT, async () => {
    const room = 'recent';
    const bob = connect('Bob', room);
    await bob.opened();
    for (let n = 1; n <= 15; n++) await bob.call('sendMessage', { message: `r${n}` });
    const dave = connect('Dave', 'dave-home');
    const recent = dave.topic('room', { room }, { recent: 5 });
    const seen = record(recent);
    await recent.ready;
    await bob.call('sendMessage', { message: 'live' });
    await until(() => texts(seen).includes('live'), () => JSON.stringify(seen));
    // The room's last 5 publications: r12 to r15, and Dave's own arrival, which reaches him as its
    // position alone (it excludes him); then the live one.
    assert.deepEqual(texts(seen), ['r12', 'r13', 'r14', 'r15', 'live']);
    const offsets = seen.flatMap((s) => ('at' in s ? [s.at.offset] : []));
    assert.deepEqual(offsets, [offsets[0]!, offsets[0]! + 1, offsets[0]! + 2, offsets[0]! + 3, offsets[0]! + 5]);
    assert.deepEqual(recent.position?.offset, offsets[0]! + 5);

    // Without `recent`, only what comes after the subscription.
    const erin = connect('Erin', 'erin-home');
    const live = erin.topic('room', { room });
    const erinSaw = record(live);
    await live.ready;
    await bob.call('sendMessage', { message: 'after Erin' });
    await until(() => texts(erinSaw).includes('after Erin'), () => JSON.stringify(erinSaw));
    assert.deepEqual(texts(erinSaw), ['after Erin']);
  });
});
