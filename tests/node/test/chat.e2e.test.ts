// End-to-end tests of the generated chat client against the chat example's real binary: sign-in,
// calls, typed errors, publications between two clients, and a server that is killed and
// restarted while clients stay connected.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import WebSocket from 'ws';
import { ChannelCallError, connectChat, type ChannelClient, type ChatChannel, type ConnectionState } from '../../../examples/chat/web/chat-client.ts';
import { ChatServer, signToken } from '../support/chat-server.ts';

const TIMEOUT = { timeout: 30_000 };

let server: ChatServer;
const clients: ChannelClient<ChatChannel>[] = [];

before(async () => {
  server = await ChatServer.start();
});

after(async () => {
  for (const client of clients) client.close();
  await server.kill();
});

function connect(room: string): ChannelClient<ChatChannel> {
  const client = connectChat(server.url, { room }, { WebSocket, callTimeoutMs: 5000, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
  clients.push(client);
  return client;
}

/** Everything published to `topic`, in arrival order. */
function collect(client: ChannelClient<ChatChannel>, topic: string): unknown[] {
  const items: unknown[] = [];
  client.onTopic(topic, (data) => items.push(data));
  return items;
}

async function rejection(promise: Promise<unknown>): Promise<ChannelCallError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ChannelCallError, `expected a ChannelCallError, got ${String(e)}`);
    return e;
  }
  assert.fail('the call succeeded');
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

describe('chat client against the chat example', () => {
  test('connects, receives the connect frame, authenticates and sends a message', TIMEOUT, async () => {
    const alice = connect('calls');
    const welcome = new Promise((resolve) => alice.onConnect(resolve));
    const token = signToken('alice', 'Alice');
    const auth = await alice.call('authenticate', { token });
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    assert.deepEqual(auth, { authenticated: true, expiresAt: exp * 1000 });
    assert.deepEqual(await welcome, { welcome: 'Welcome to calls!' });
    assert.equal(alice.state, 'open');
    const before = Date.now();
    const sent = await alice.call('sendMessage', { message: 'Hello' });
    assert.equal(sent.message, 'Hello');
    assert.equal(typeof sent.timestamp, 'number');
    assert.ok(sent.timestamp >= before - 5000 && sent.timestamp <= Date.now() + 5000, `timestamp ${sent.timestamp} is not now`);
  });

  test('errors are ChannelCallErrors with the server code, message and details', TIMEOUT, async () => {
    const bob = connect('errors');
    const unauthorized = await rejection(bob.call('sendMessage', { message: 'too early' }));
    assert.equal(unauthorized.code, 'unauthorized');
    assert.equal(unauthorized.action, 'sendMessage');

    const badToken = await rejection(bob.call('authenticate', { token: signToken('bob', 'Bob', { secret: 'another secret' }) }));
    assert.equal(badToken.code, 'unauthorized');
    assert.match(badToken.message, /invalid token/);

    await bob.call('authenticate', { token: signToken('bob', 'Bob') });
    const empty = await rejection(bob.call('sendMessage', { message: '' }));
    assert.equal(empty.code, 'invalid_input');
    assert.deepEqual(empty.details, { path: 'message', reason: 'must not be empty' });
    const tooLong = await rejection(bob.call('sendMessage', { message: 'x'.repeat(2001) }));
    assert.equal(tooLong.code, 'invalid_input');
    assert.deepEqual(tooLong.details, { path: 'message', reason: 'must be at most 2000 characters' });

    // A shape the types forbid still gets the server's validation error, with the field path.
    const wrongType = await rejection(bob.call('sendMessage', { message: 42 } as unknown as { message: string }));
    assert.equal(wrongType.code, 'invalid_input');
    assert.equal((wrongType.details as { path: string }).path, 'message');
  });

  test('a message reaches the other client in the room, not the sender', TIMEOUT, async () => {
    const alice = connect('pubsub');
    const bob = connect('pubsub');
    const elsewhere = connect('another-room');
    const toAlice = collect(alice, 'room:pubsub');
    const toBob = collect(bob, 'room:pubsub');
    const toElsewhere = collect(elsewhere, 'room:another-room');
    await alice.call('authenticate', { token: signToken('alice', 'Alice') });
    await bob.call('authenticate', { token: signToken('bob', 'Bob') });
    await elsewhere.opened();

    const sent = await alice.call('sendMessage', { message: 'hi Bob' });
    await waitFor(toBob, { from: 'Alice', message: 'hi Bob', timestamp: sent.timestamp });

    // Alice's queue is in order: had her own message come back, it would arrive before Bob's.
    const answer = await bob.call('sendMessage', { message: 'hi Alice' });
    await waitFor(toAlice, { from: 'Bob', message: 'hi Alice', timestamp: answer.timestamp });
    assert.deepEqual(toAlice, [{ from: 'Bob', message: 'hi Alice', timestamp: answer.timestamp }]);
    assert.deepEqual(toBob, [{ from: 'Alice', message: 'hi Bob', timestamp: sent.timestamp }]);
    assert.deepEqual(toElsewhere, []);

    // Leaving is published too.
    bob.close();
    await waitFor(toAlice, { left: 'Bob' });
  });

  test('works with the global WebSocket when none is passed (Node 22+, or 20 with --experimental-websocket)', TIMEOUT, async () => {
    assert.equal(typeof (globalThis as { WebSocket?: unknown }).WebSocket, 'function', 'run node with --experimental-websocket on Node 20');
    const carol = connectChat(server.url, { room: 'global' });
    clients.push(carol);
    const dave = connect('global');
    const toDave = collect(dave, 'room:global');
    await dave.opened();
    await carol.call('authenticate', { token: signToken('carol', 'Carol') }, { restore: true });
    const sent = await carol.call('sendMessage', { message: 'from the global WebSocket' });
    await waitFor(toDave, { from: 'Carol', message: 'from the global WebSocket', timestamp: sent.timestamp });
    const error = await rejection(carol.call('sendMessage', { message: '' }));
    assert.equal(error.code, 'invalid_input');
  });

  test('after the server is killed and restarted, clients reconnect, restore their session and keep chatting', TIMEOUT, async () => {
    const alice = connect('restart');
    const bob = connect('restart');
    const toAlice = collect(alice, 'room:restart');
    const toBob = collect(bob, 'room:restart');
    const aliceStates: ConnectionState[] = [];
    alice.onState((state) => aliceStates.push(state));
    let aliceWelcomes = 0;
    alice.onConnect(() => aliceWelcomes++);
    // `restore: true` is all the application does: the client replays these after a reconnect.
    await alice.call('authenticate', { token: signToken('alice', 'Alice') }, { restore: true });
    await bob.call('authenticate', { token: signToken('bob', 'Bob') }, { restore: true });
    const before = await alice.call('sendMessage', { message: 'before' });
    await waitFor(toBob, { from: 'Alice', message: 'before', timestamp: before.timestamp });

    await server.kill();
    await Promise.all([reaches(alice, 'reconnecting'), reaches(bob, 'reconnecting')]);
    // Made while the server is down: waits in the queue, goes out after the replayed sign-in.
    const queued = alice.call('sendMessage', { message: 'sent while the server was down' }, { timeoutMs: 20_000 });
    assert.equal(alice.queued, 1);

    await server.restart();
    await Promise.all([alice.opened(), bob.opened()]);
    const whileDown = await queued;
    assert.equal(whileDown.message, 'sent while the server was down');

    // No re-authentication by the test: the restored session lets Bob send, and Alice receives it.
    const after = await bob.call('sendMessage', { message: 'after the restart' });
    await waitFor(toAlice, { from: 'Bob', message: 'after the restart', timestamp: after.timestamp });
    const reply = await alice.call('sendMessage', { message: 'welcome back' });
    await waitFor(toBob, { from: 'Alice', message: 'welcome back', timestamp: reply.timestamp });

    assert.equal(aliceWelcomes, 2);
    // Open, then at least one `reconnecting` (one per attempt while the server was down), then open.
    assert.equal(aliceStates[0], 'open');
    assert.equal(aliceStates[1], 'reconnecting');
    assert.deepEqual([...new Set(aliceStates.slice(1, -1))], ['reconnecting']);
    assert.equal(aliceStates[aliceStates.length - 1], 'open');
  });

  test('client subscriptions are typed, refused with a reason, and restored after a server restart without application code', TIMEOUT, async () => {
    const alice = connect('sub-home');
    const bob = connect('sub-lobby');
    await alice.call('authenticate', { token: signToken('alice', 'Alice') }, { restore: true });
    await bob.call('authenticate', { token: signToken('bob', 'Bob') }, { restore: true });
    const errors: string[] = [];
    alice.onError((e) => errors.push(e.code));

    const lobby = alice.topic('room', { room: 'sub-lobby' });
    const inLobby: unknown[] = [];
    lobby.on((event) => inLobby.push(event));
    await lobby.ready;
    assert.equal(lobby.name, 'room:sub-lobby');
    const first = await bob.call('sendMessage', { message: 'hello lobby' });
    await waitFor(inLobby, { from: 'Bob', message: 'hello lobby', timestamp: first.timestamp });
    // Alice may now send to the lobby too; Bob (in it since he opened) gets it.
    const toBob = collect(bob, 'room:sub-lobby');
    const fromAlice = await alice.call('sendMessage', { message: 'hi from home', room: 'sub-lobby' });
    await waitFor(toBob, { from: 'Alice', message: 'hi from home', timestamp: fromAlice.timestamp });

    // The authorization function refuses an empty room name, with the field's path.
    const refused = await rejection(alice.topic('room', { room: '' }).ready);
    assert.equal(refused.code, 'invalid_input');
    assert.equal((refused.details as { path: string }).path, 'room');

    await server.kill();
    await Promise.all([reaches(alice, 'reconnecting'), reaches(bob, 'reconnecting')]);
    await server.restart();
    await Promise.all([alice.opened(), bob.opened()]);

    // Restored: the session first, then the subscription, before anything queued.
    const again = await bob.call('sendMessage', { message: 'after the restart' });
    await waitFor(inLobby, { from: 'Bob', message: 'after the restart', timestamp: again.timestamp });
    await alice.call('sendMessage', { message: 'still in the lobby', room: 'sub-lobby' });

    // Unsubscribed: nothing more arrives, and the next restart does not restore it.
    await lobby.unsubscribe();
    const count = inLobby.length;
    await bob.call('sendMessage', { message: 'nobody from home listens' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(inLobby.length, count);
    const notMember = await rejection(alice.call('sendMessage', { message: 'gone', room: 'sub-lobby' }));
    assert.equal(notMember.code, 'forbidden');
    assert.deepEqual(errors, ['invalid_input'], 'only the refused subscription was reported');
  });

  test('the session option keeps one socket signed in through three token lifetimes', TIMEOUT, async () => {
    // Tokens live 3 s (`exp` is in whole seconds: 2 to 3 s from the signing); the client renews
    // the session ahead of each expiry with a fresh one, on the same socket.
    let signIns = 0;
    const erin = connectChat(server.url, { room: 'renew' }, {
      WebSocket,
      callTimeoutMs: 5000,
      session: {
        action: 'authenticate',
        input: () => {
          signIns++;
          return { token: signToken('erin', 'Erin', { lifetimeS: 3 }) };
        },
        expiresAt: (out) => out.expiresAt,
      },
    });
    clients.push(erin);
    const states: ConnectionState[] = [];
    erin.onState((state) => states.push(state));
    const errors: string[] = [];
    erin.onError((e) => errors.push(`${e.code}: ${e.message}`));
    let welcomes = 0;
    erin.onConnect(() => welcomes++);
    const frank = connect('renew');
    const toFrank = collect(frank, 'room:renew');
    await Promise.all([erin.opened(), frank.opened()]);

    const start = Date.now();
    let sent = 0;
    while (Date.now() - start < 9_500) {
      const out = await erin.call('sendMessage', { message: `m${sent}` });
      assert.equal(out.message, `m${sent}`);
      sent++;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const deadline = Date.now() + 5000; toFrank.length < sent && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(toFrank.map((m) => (m as { message: string }).message), [...Array(sent).keys()].map((n) => `m${n}`));
    assert.deepEqual(errors, [], 'no sign-in failed and no call was refused');
    assert.ok(signIns >= 4, `the first sign-in and a renewal per lifetime: ${signIns}`);
    assert.equal(welcomes, 1, 'one connection the whole time');
    assert.deepEqual(states, ['open'], 'opened once: the socket never dropped');
    assert.ok(sent >= 30, `${sent} messages sent`);
  });
});

/** Waits (up to 5 s) until `items` holds `expected`. */
async function waitFor(items: unknown[], expected: unknown): Promise<boolean> {
  const deadline = Date.now() + 5000;
  for (;;) {
    if (items.some((item) => isDeepStrictEqual(item, expected))) return true;
    if (Date.now() > deadline) assert.fail(`${JSON.stringify(expected)} did not arrive; got ${JSON.stringify(items)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
