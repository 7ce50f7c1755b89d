// Unit tests of the client runtime with a scripted WebSocket and mocked timers: frames, ids,
// errors, timeouts, the bounded queue, backoff, reconnect, restore and close.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import {
  ChannelCallError,
  ChannelClient,
  backoffDelay,
  channelUrl,
  connectChannel,
  topicName,
  type ChannelMeta,
  type ChannelSpec,
  type ClientOptions,
  type ConnectionState,
  type Gap,
  type HistorySubscription,
  type Position,
  type StateChange,
  type TopicSubscription,
} from '../../../codegen-cli/src/ts/client.ts';
import { fakeWebSocket, type FakeSocket } from '../support/fake-websocket.ts';

interface RoomChannel extends ChannelSpec {
  name: 'rooms';
  route: '/rooms/:tenant';
  openingData: { tenant: string; room: string; limit?: number };
  connect: { hello: string };
  actions: {
    login: { key: 'action'; input: { token: string }; output: { ok: boolean }; progress: never };
    join: { key: 'action'; input: { room: string }; output: { joined: string }; progress: never };
    say: { key: 'action'; input: { text: string }; output: { id: number }; progress: { done: number } };
    ping: { key: 'type'; input: undefined; output: null; progress: unknown };
  };
  topics: {
    room: { params: { room: string }; payload: { text: string }; subscribe: true; history: false };
    news: { params: { region: string }; payload: number; subscribe: false; history: false };
    log: { params: { stream: string }; payload: { line: string }; subscribe: true; history: true };
  };
}

const meta: ChannelMeta = {
  name: 'rooms',
  route: '/rooms/:tenant',
  params: ['tenant'],
  routingKeys: ['action', 'type'],
  actions: { login: { key: 'action' }, join: { key: 'action' }, say: { key: 'action' }, ping: { key: 'type' } },
  topics: {
    room: { pattern: 'room:{room}', subscribe: true },
    news: { pattern: 'news:{region}', subscribe: false },
    log: { pattern: 'log:{stream}', subscribe: true },
  },
};

/** Lets promise callbacks run (mocked timers do not touch setImmediate). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function setup(t: TestContext, options: ClientOptions<RoomChannel> = {}) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const fake = fakeWebSocket();
  const client: ChannelClient<RoomChannel> = connectChannel<RoomChannel>(meta, 'ws://127.0.0.1:3000', { tenant: 'acme', room: 'lobby' }, {
    WebSocket: fake.WebSocket,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 },
    ...options,
  });
  const states: StateChange[] = [];
  client.onState((_state, change) => states.push(change));
  t.after(() => client.close());
  return { client, fake, states };
}

/** Answers the call in `frame` with `data`. */
function reply(socket: FakeSocket, frame: Record<string, unknown>, data: unknown): void {
  socket.receive({ action: frame['action'], id: frame['id'], data });
}

async function rejection(promise: Promise<unknown>): Promise<ChannelCallError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ChannelCallError, `expected a ChannelCallError, got ${String(e)}`);
    return e;
  }
  assert.fail('the promise resolved');
}

describe('channelUrl', () => {
  test('fills route params and puts the rest of the opening data in the query', () => {
    const url = channelUrl(meta, 'ws://h:1/', { tenant: 'a b/c', room: 'x&y', limit: 5, skip: undefined, none: null });
    assert.equal(url, 'ws://h:1/rooms/a%20b%2Fc?room=x%26y&limit=5');
  });

  test('turns http(s) into ws(s), keeps a base path and repeats array members', () => {
    const chat: ChannelMeta = { ...meta, route: '/chat', params: [] };
    assert.equal(channelUrl(chat, 'https://example.test/app', { tag: ['a', 'b'] }), 'wss://example.test/app/chat?tag=a&tag=b');
    assert.equal(channelUrl(chat, 'http://h', undefined), 'ws://h/chat');
  });

  test('refuses a missing route param and nested objects', () => {
    assert.throws(() => channelUrl(meta, 'ws://h', { room: 'x' }), /missing `tenant`/);
    assert.throws(() => channelUrl(meta, 'ws://h', { tenant: 't', filter: { a: 1 } }), /`filter` must be a string/);
  });
});

describe('backoffDelay', () => {
  test('doubles from the initial delay, caps at the maximum and takes at most the jitter off', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 5000, jitter: 0.25 };
    for (let attempt = 0; attempt < 30; attempt++) {
      const base = Math.min(5000, 100 * 2 ** attempt);
      assert.equal(backoffDelay(attempt, options, () => 0), base);
      assert.equal(backoffDelay(attempt, options, () => 1), Math.round(base * 0.75));
      for (let i = 0; i < 20; i++) {
        const delay = backoffDelay(attempt, options);
        assert.ok(delay >= Math.round(base * 0.75) && delay <= base, `attempt ${attempt}: ${delay} outside [${base * 0.75}, ${base}]`);
      }
    }
  });

  test('defaults stay within 250 ms and 10 s, and bad options are clamped', () => {
    assert.equal(backoffDelay(0, {}, () => 0), 250);
    assert.equal(backoffDelay(100, {}, () => 0), 10_000);
    assert.equal(backoffDelay(3, { initialDelayMs: 10, maxDelayMs: 1, jitter: 7 }, () => 1), 0);
    assert.equal(backoffDelay(3, { initialDelayMs: 10, jitter: -1 }, () => 1), 80);
  });
});

describe('calls', () => {
  test('offers the wirechan.v1 subprotocol and sends envelope frames with ids', async (t) => {
    const { client, fake } = setup(t);
    const socket = fake.latest();
    assert.equal(socket.url, 'ws://127.0.0.1:3000/rooms/acme?room=lobby');
    assert.deepEqual(socket.protocols, ['wirechan.v1']);
    assert.equal(socket.binaryType, 'arraybuffer');
    socket.open();
    const first = client.call('say', { text: 'one' });
    const second = client.call('say', { text: 'two' });
    const ping = client.call('ping');
    assert.deepEqual(socket.sent, [
      { action: 'say', id: 1, data: { text: 'one' } },
      { action: 'say', id: 2, data: { text: 'two' } },
      { type: 'ping', id: 3 },
    ]);
    // Replies in another order than the calls still reach their callers.
    socket.receive({ type: 'ping', id: 3 });
    socket.receive({ action: 'say', id: 2, data: { id: 22 } });
    socket.receive({ action: 'say', id: 1, data: { id: 11 } });
    assert.deepEqual(await first, { id: 11 });
    assert.deepEqual(await second, { id: 22 });
    assert.equal(await ping, undefined);
  });

  test('a server error rejects with a ChannelCallError carrying code, message, details and action', async (t) => {
    const { client, fake } = setup(t);
    const socket = fake.latest();
    socket.open();
    const call = client.call('say', { text: '' });
    socket.receive({
      action: 'say',
      id: 1,
      error: { code: 'invalid_input', message: 'invalid input at `text`: must not be empty', details: { path: 'text', reason: 'must not be empty' } },
    });
    const error = await rejection(call);
    assert.equal(error.code, 'invalid_input');
    assert.equal(error.message, 'invalid input at `text`: must not be empty');
    assert.deepEqual(error.details, { path: 'text', reason: 'must not be empty' });
    assert.equal(error.action, 'say');
    assert.equal(error.name, 'ChannelCallError');
    assert.ok(error instanceof Error);
  });

  test('progress frames go to onProgress and do not end the call', async (t) => {
    const { client, fake } = setup(t);
    const socket = fake.latest();
    socket.open();
    const progress: unknown[] = [];
    const call = client.call('say', { text: 'long' }, { onProgress: (p) => progress.push(p.done) });
    socket.receive({ action: 'say', id: 1, progress: { done: 1 } });
    socket.receive({ action: 'say', id: 1, progress: { done: 2 } });
    socket.receive({ action: 'say', id: 1, data: { id: 5 } });
    assert.deepEqual(await call, { id: 5 });
    assert.deepEqual(progress, [1, 2]);
  });

  test('a call without reply fails with `timeout` after its own timeout; a late reply is dropped', async (t) => {
    const { client, fake } = setup(t, { callTimeoutMs: 1000 });
    const socket = fake.latest();
    socket.open();
    const short = client.call('say', { text: 'a' }, { timeoutMs: 50 });
    const long = client.call('say', { text: 'b' });
    t.mock.timers.tick(49);
    await settle();
    t.mock.timers.tick(1);
    const error = await rejection(short);
    assert.equal(error.code, 'timeout');
    assert.deepEqual(error.details, { timeoutMs: 50 });
    socket.receive({ action: 'say', id: 1, data: { id: 1 } });
    t.mock.timers.tick(950);
    assert.equal((await rejection(long)).code, 'timeout');
  });

  test('notify sends a frame without id; an error reply without id goes to onError', (t) => {
    const { client, fake } = setup(t);
    const socket = fake.latest();
    socket.open();
    const errors: ChannelCallError[] = [];
    client.onError((e) => errors.push(e));
    client.notify('say', { text: 'hi' });
    assert.deepEqual(socket.last(), { action: 'say', data: { text: 'hi' } });
    socket.receive({ action: 'say', error: { code: 'unauthorized', message: 'sign in first' } });
    socket.receive('not json');
    assert.deepEqual(
      errors.map((e) => [e.code, e.action]),
      [
        ['unauthorized', 'say'],
        ['invalid_json', undefined],
      ],
    );
  });

  test('an input that cannot be encoded fails with `encode_error`', async (t) => {
    const { client, fake } = setup(t);
    fake.latest().open();
    const cyclic: { text: string; self?: unknown } = { text: 'x' };
    cyclic.self = cyclic;
    assert.equal((await rejection(client.call('say', cyclic))).code, 'encode_error');
  });
});

describe('frames from the server', () => {
  test('connect frames, pushes by routing key and publications by topic reach their handlers', (t) => {
    const { client, fake } = setup(t);
    const socket = fake.latest();
    const seen: unknown[] = [];
    client.onConnect((data) => seen.push(['connect', data.hello]));
    client.on('say', (data) => seen.push(['push say', data]));
    client.on('ping', (data) => seen.push(['push ping', data]));
    const stop = client.onTopic('room:lobby', (data, topic) => seen.push([topic, data]));
    client.onTopic('room:other', (data) => seen.push(['other', data]));
    socket.open();
    socket.receive({ event: 'connect', data: { hello: 'hi' } });
    socket.receive({ action: 'say', data: 1 });
    socket.receive({ type: 'ping', data: 2 });
    socket.receive({ topic: 'room:lobby', data: { from: 'bob' } });
    stop();
    socket.receive({ topic: 'room:lobby', data: 'not seen' });
    assert.deepEqual(seen, [
      ['connect', 'hi'],
      ['push say', 1],
      ['push ping', 2],
      ['room:lobby', { from: 'bob' }],
    ]);
  });
});

describe('handlers', () => {
  test('a throwing handler does not stop the other handlers or the client; its error is rethrown on its own', async (t) => {
    const { client, fake } = setup(t);
    const socket = fake.latest();
    socket.open();
    const seen: unknown[] = [];
    client.onTopic('t', () => {
      throw new Error('handler bug');
    });
    client.onTopic('t', (data) => seen.push(data));
    socket.receive({ topic: 't', data: 1 });
    const call = client.call('say', { text: 'still works' });
    reply(socket, socket.last(), { id: 1 });
    assert.deepEqual(await call, { id: 1 });
    assert.deepEqual(seen, [1]);
    assert.throws(() => t.mock.timers.tick(0), /handler bug/);
  });
});

describe('queue while disconnected', () => {
  test('calls wait until the connection opens and go out in order; the queue is bounded', async (t) => {
    const { client, fake } = setup(t, { maxQueued: 2 });
    const socket = fake.latest();
    const first = client.call('say', { text: '1' });
    const second = client.call('say', { text: '2' });
    const third = client.call('say', { text: '3' });
    assert.equal((await rejection(third)).code, 'queue_full');
    assert.throws(() => client.notify('say', { text: '4' }), (e: unknown) => e instanceof ChannelCallError && e.code === 'queue_full');
    assert.equal(client.queued, 2);
    assert.equal(client.state, 'connecting');
    socket.open();
    assert.equal(client.state, 'open');
    assert.deepEqual(
      socket.sent.map((f) => f['data']),
      [{ text: '1' }, { text: '2' }],
    );
    reply(socket, socket.sent[0]!, { id: 1 });
    reply(socket, socket.sent[1]!, { id: 2 });
    assert.deepEqual([await first, await second], [{ id: 1 }, { id: 2 }]);
  });

  test('a queued call fails on its timeout and is not sent later', async (t) => {
    const { client, fake } = setup(t);
    const call = client.call('say', { text: 'late' }, { timeoutMs: 100 });
    t.mock.timers.tick(100);
    assert.equal((await rejection(call)).code, 'timeout');
    assert.equal(client.queued, 0);
    fake.latest().open();
    assert.deepEqual(fake.latest().sent, []);
  });
});

describe('reconnect', () => {
  test('a dropped connection fails calls in flight, keeps queued ones, and reconnects with growing delays', async (t) => {
    const { client, fake, states } = setup(t, { reconnect: { initialDelayMs: 100, maxDelayMs: 350, jitter: 0 } });
    const first = fake.latest();
    first.open();
    const inFlight = client.call('say', { text: 'in flight' });
    first.drop(1006);
    const error = await rejection(inFlight);
    assert.equal(error.code, 'disconnected');
    assert.deepEqual(error.details, { code: 1006, reason: '' });
    const queued = client.call('say', { text: 'queued' });
    assert.equal(client.state, 'reconnecting');

    // Each failed attempt doubles the delay, up to the maximum.
    t.mock.timers.tick(99);
    assert.equal(fake.sockets.length, 1);
    t.mock.timers.tick(1);
    assert.equal(fake.sockets.length, 2);
    fake.latest().drop();
    t.mock.timers.tick(200);
    assert.equal(fake.sockets.length, 3);
    fake.latest().drop();
    t.mock.timers.tick(350);
    assert.equal(fake.sockets.length, 4);
    assert.deepEqual(
      states.map((s) => [s.state, s.attempt, s.delayMs]),
      [
        ['open', 0, undefined],
        ['reconnecting', 1, 100],
        ['reconnecting', 2, 200],
        ['reconnecting', 3, 350],
      ],
    );
    const last = fake.latest();
    assert.equal(last.url, first.url);
    last.open();
    assert.deepEqual(last.last(), { action: 'say', id: 2, data: { text: 'queued' } });
    reply(last, last.last(), { id: 9 });
    assert.deepEqual(await queued, { id: 9 });
    assert.equal(client.state, 'open');

    // After an open connection the backoff starts again from the initial delay.
    last.drop();
    assert.equal(states[states.length - 1]?.delayMs, 100);
  });

  test('the session option signs in first on every connection, renews before expiry and retries a session_expired call once', async (t) => {
    let signIns = 0;
    const { client, fake } = setup(t, {
      session: { action: 'login', input: () => ({ token: `t${++signIns}` }), expiresAt: () => Date.now() + 4000 },
    });
    const first = fake.latest();
    const early = client.call('say', { text: 'queued' });
    first.open();
    await settle();
    assert.deepEqual(first.sent.map((f) => [f['action'], f['data']]), [['login', { token: 't1' }]]);
    reply(first, first.last(), { ok: true });
    await settle();
    assert.deepEqual(first.sent.map((f) => f['action']), ['login', 'say'], 'queued calls go out after the sign-in');
    reply(first, first.last(), { id: 1 });
    assert.deepEqual(await early, { id: 1 });

    // Renewed a quarter of the lifetime ahead of the expiry, on the same socket.
    t.mock.timers.tick(2990);
    await settle();
    assert.equal(first.sent.length, 2);
    t.mock.timers.tick(20);
    await settle();
    assert.deepEqual([first.last()['action'], first.last()['data']], ['login', { token: 't2' }]);
    reply(first, first.last(), { ok: true });
    await settle();

    // A call refused with `session_expired`: the session is renewed, the same frame sent again.
    const late = client.call('say', { text: 'late' });
    const frame = first.last();
    first.receive({ action: 'say', id: frame['id'], error: { code: 'session_expired', message: 'expired' } });
    await settle();
    assert.deepEqual(first.last()['data'], { token: 't3' });
    reply(first, first.last(), { ok: true });
    await settle();
    assert.deepEqual(first.last(), frame);
    reply(first, frame, { id: 2 });
    assert.deepEqual(await late, { id: 2 });
    // Refused again after the renewal: the caller gets the error.
    const refused = client.call('say', { text: 'again' });
    const again = first.last();
    first.receive({ action: 'say', id: again['id'], error: { code: 'session_expired', message: 'expired' } });
    await settle();
    reply(first, first.last(), { ok: true });
    await settle();
    first.receive({ action: 'say', id: again['id'], error: { code: 'session_expired', message: 'expired' } });
    assert.equal((await rejection(refused)).code, 'session_expired');

    // A new connection signs in before anything else, with a fresh input.
    first.drop();
    t.mock.timers.tick(100);
    const second = fake.latest();
    second.open();
    await settle();
    assert.deepEqual(second.sent.map((f) => [f['action'], f['data']]), [['login', { token: `t${signIns}` }]]);
    assert.equal(signIns, 5);
  });

  test('restore calls are replayed in order, one at a time, before queued calls', async (t) => {
    const { client, fake } = setup(t);
    const first = fake.latest();
    first.open();
    const login = client.call('login', { token: 'old' }, { restore: true });
    reply(first, first.last(), { ok: true });
    await login;
    const joinA = client.call('join', { room: 'a' }, { restore: { key: 'join:a' } });
    reply(first, first.last(), { joined: 'a' });
    await joinA;
    const joinB = client.call('join', { room: 'b' }, { restore: { key: 'join:b' } });
    reply(first, first.last(), { joined: 'b' });
    await joinB;
    // A later successful login replaces the first one and keeps its place; a failed one is not kept.
    const relogin = client.call('login', { token: 'new' }, { restore: true });
    reply(first, first.last(), { ok: true });
    await relogin;
    const failed = client.call('join', { room: 'c' }, { restore: { key: 'join:c' } });
    first.receive({ action: 'join', id: first.last()['id'], error: { code: 'forbidden', message: 'no' } });
    await rejection(failed);
    assert.deepEqual(client.restoring, ['login', 'join:a', 'join:b']);
    assert.equal(client.forget('join:b'), true);
    assert.deepEqual(client.restoring, ['login', 'join:a']);

    first.drop();
    const queued = client.call('say', { text: 'after' });
    t.mock.timers.tick(100);
    const second = fake.latest();
    second.open();
    // Only the first replay is out: the next waits for its reply.
    assert.deepEqual(
      second.sent.map((f) => [f['action'], f['data']]),
      [['login', { token: 'new' }]],
    );
    assert.equal(client.state, 'reconnecting');
    const during = client.call('say', { text: 'during restore' });
    reply(second, second.last(), { ok: true });
    await settle();
    assert.deepEqual(
      second.sent.map((f) => [f['action'], f['data']]),
      [
        ['login', { token: 'new' }],
        ['join', { room: 'a' }],
      ],
    );
    reply(second, second.last(), { joined: 'a' });
    await settle();
    assert.equal(client.state, 'open');
    assert.deepEqual(
      second.sent.map((f) => [f['action'], f['data']]),
      [
        ['login', { token: 'new' }],
        ['join', { room: 'a' }],
        ['say', { text: 'after' }],
        ['say', { text: 'during restore' }],
      ],
    );
    reply(second, second.sent[2]!, { id: 1 });
    reply(second, second.sent[3]!, { id: 2 });
    assert.deepEqual([await queued, await during], [{ id: 1 }, { id: 2 }]);
  });

  test('topics: names as the server builds them, subscriptions restored before queued calls, refusals and unsubscribing', async (t) => {
    assert.equal(topicName('room:{room}', { room: 'a:b%' }), 'room:a%3Ab%25');
    assert.equal(topicName('game:{id}:chat', { id: 7 }), 'game:7:chat');
    assert.throws(() => topicName('room:{room}', {}), /needs the parameter `room`/);

    const { client, fake } = setup(t);
    const errors: string[] = [];
    client.onError((e) => errors.push(`${e.code} ${e.action}`));
    const first = fake.latest();
    first.open();
    const login = client.call('login', { token: 't' }, { restore: true });
    reply(first, first.last(), { ok: true });
    await login;

    const lobby = client.topic('room', { room: 'lobby' });
    assert.equal(lobby.name, 'room:lobby');
    assert.deepEqual(first.last(), { subscribe: 'room', id: first.last()['id'], data: { room: 'lobby' } });
    first.receive({ subscribe: 'room', id: first.last()['id'], data: { topic: 'room:lobby' } });
    await lobby.ready;
    const texts: string[] = [];
    lobby.on((event) => texts.push(event.text));
    first.receive({ topic: 'room:lobby', data: { text: 'hi' } });
    first.receive({ topic: 'room:other', data: { text: 'not ours' } });
    assert.deepEqual(texts, ['hi']);

    // A server-only topic only listens: no frame goes out.
    const sentBefore = first.sent.length;
    const news = client.topic('news', { region: 'eu' });
    await news.ready;
    const amounts: number[] = [];
    news.on((n) => amounts.push(n));
    first.receive({ topic: 'news:eu', data: 3 });
    assert.deepEqual(amounts, [3]);
    assert.equal(first.sent.length, sentBefore);

    // A refused subscription rejects `ready`, is reported, and is not restored.
    const secret = client.topic('room', { room: 'secret' });
    first.receive({ subscribe: 'room', id: first.last()['id'], error: { code: 'forbidden', message: 'invite only' } });
    assert.equal((await rejection(secret.ready)).code, 'forbidden');
    assert.deepEqual(errors, ['forbidden room']);
    assert.deepEqual(client.restoring, ['login', 'subscribe room:lobby']);

    // A subscription whose answer the dropped connection lost is made again after the reconnect.
    const late = client.topic('room', { room: 'late' });
    first.drop();
    const queued = client.call('say', { text: 'queued' });
    t.mock.timers.tick(100);
    const second = fake.latest();
    second.open();
    reply(second, second.last(), { ok: true });
    await settle();
    second.receive({ subscribe: 'room', id: second.last()['id'], data: { topic: 'room:lobby' } });
    await settle();
    second.receive({ subscribe: 'room', id: second.last()['id'], data: { topic: 'room:late' } });
    await settle();
    assert.deepEqual(
      second.sent.map((f) => [f['action'] ?? `subscribe ${String(f['subscribe'])}`, f['data']]),
      [
        ['login', { token: 't' }],
        ['subscribe room', { room: 'lobby' }],
        ['subscribe room', { room: 'late' }],
        ['subscribe room', { room: 'late' }],
        ['say', { text: 'queued' }],
      ],
      'the session, then the subscriptions in order, then what waited',
    );
    second.receive({ subscribe: 'room', id: second.sent[3]!['id'], data: { topic: 'room:late' } });
    await late.ready;
    reply(second, second.sent[4]!, { id: 1 });
    assert.deepEqual(await queued, { id: 1 });
    second.receive({ topic: 'room:lobby', data: { text: 'after the reconnect' } });
    assert.deepEqual(texts, ['hi', 'after the reconnect']);

    // Two subscriptions of one topic: leaving one keeps the other's handlers and the topic.
    const again = client.topic('room', { room: 'lobby' });
    second.receive({ subscribe: 'room', id: second.last()['id'], data: { topic: 'room:lobby' } });
    await again.ready;
    const alsoHeard: string[] = [];
    again.on((event) => alsoHeard.push(event.text));
    const sentBeforeLeaving = second.sent.length;
    await again.unsubscribe();
    assert.equal(second.sent.length, sentBeforeLeaving, 'no unsubscribe frame while another subscription holds the topic');
    second.receive({ topic: 'room:lobby', data: { text: 'still here' } });
    assert.deepEqual(texts, ['hi', 'after the reconnect', 'still here']);
    assert.deepEqual(alsoHeard, []);

    // Unsubscribing stops the handlers, leaves the topic, and is not restored again.
    const left = lobby.unsubscribe();
    await settle();
    assert.deepEqual(second.last(), { unsubscribe: 'room', id: second.last()['id'], data: { room: 'lobby' } });
    second.receive({ unsubscribe: 'room', id: second.last()['id'], data: { topic: 'room:lobby' } });
    await left;
    second.receive({ topic: 'room:lobby', data: { text: 'gone' } });
    assert.deepEqual(texts, ['hi', 'after the reconnect', 'still here']);
    assert.deepEqual(client.restoring, ['login', 'subscribe room:late']);
    assert.throws(() => client.topic('nope' as 'room', { room: 'x' }), /declares no topic `nope`/);
  });

  test('a replay that fails is reported to onError and the queue is still sent', async (t) => {
    const { client, fake } = setup(t);
    const errors: ChannelCallError[] = [];
    client.onError((e) => errors.push(e));
    const first = fake.latest();
    first.open();
    const login = client.call('login', { token: 'expiring' }, { restore: true });
    reply(first, first.last(), { ok: true });
    await login;
    first.drop();
    const queued = client.call('say', { text: 'x' });
    t.mock.timers.tick(100);
    const second = fake.latest();
    second.open();
    second.receive({ action: 'login', id: second.last()['id'], error: { code: 'unauthorized', message: 'invalid token: ExpiredSignature' } });
    await settle();
    assert.deepEqual(
      errors.map((e) => [e.code, e.action]),
      [['unauthorized', 'login']],
    );
    assert.match(errors[0]!.message, /replaying login after a reconnect failed: invalid token/);
    assert.deepEqual(second.last()['data'], { text: 'x' });
    reply(second, second.last(), { id: 3 });
    assert.deepEqual(await queued, { id: 3 });
  });

  test('a connection that drops during the replays starts over on the next one', async (t) => {
    const { client, fake } = setup(t);
    const first = fake.latest();
    first.open();
    const login = client.call('login', { token: 't' }, { restore: true });
    reply(first, first.last(), { ok: true });
    await login;
    first.drop();
    t.mock.timers.tick(100);
    fake.latest().open();
    fake.latest().drop();
    await settle();
    t.mock.timers.tick(100);
    const third = fake.latest();
    assert.equal(fake.sockets.length, 3);
    third.open();
    assert.deepEqual(third.sent.map((f) => f['action']), ['login']);
    reply(third, third.last(), { ok: true });
    await client.opened();
    assert.equal(client.state, 'open');
  });

  test('application close codes and `reconnect: false` end the client', async (t) => {
    const refused = setup(t);
    refused.fake.latest().open();
    const inFlightOnRefused = refused.client.call('say', { text: 'x' });
    refused.fake.latest().drop(4001, 'unauthorized');
    assert.equal(refused.client.state, 'closed');
    assert.deepEqual(refused.states[refused.states.length - 1], {
      state: 'closed',
      attempt: 0,
      closeCode: 4001,
      closeReason: 'unauthorized',
    });
    assert.equal((await rejection(inFlightOnRefused)).code, 'disconnected');
    t.mock.timers.tick(60_000);
    assert.equal(refused.fake.sockets.length, 1);

    const once = connectChannel<RoomChannel>(meta, 'ws://h', { tenant: 't', room: 'r' }, { WebSocket: refused.fake.WebSocket, reconnect: false });
    const socket = refused.fake.latest();
    const queued = once.call('say', { text: 'never sent' });
    socket.drop(1006);
    assert.equal(once.state, 'closed');
    assert.equal((await rejection(queued)).code, 'closed');
    await assert.rejects(once.opened(), (e: unknown) => e instanceof ChannelCallError && e.code === 'closed');
  });

  test('shouldReconnect decides per close code', (t) => {
    const codes: number[] = [];
    const { client, fake } = setup(t, {
      shouldReconnect: (code) => {
        codes.push(code);
        return code === 4002;
      },
    });
    fake.latest().open();
    fake.latest().drop(4002, 'try again');
    assert.equal(client.state, 'reconnecting');
    t.mock.timers.tick(100);
    fake.latest().drop(1001);
    assert.equal(client.state, 'closed');
    assert.deepEqual(codes, [4002, 1001]);
  });
});

describe('topics with history', () => {
  /** A publication of `log:a` at `offset` of epoch `epoch`. */
  const line = (offset: number, epoch = 'e1') => ({ topic: 'log:a', data: { line: `l${offset}` }, offset, epoch });

  /** Opens the client and subscribes to `log:a`; `seen` lists deliveries (`l<offset>`) and gaps in order. */
  function subscribed(t: TestContext, recent?: number) {
    const { client, fake } = setup(t);
    const socket = fake.latest();
    socket.open();
    const log = client.topic('log', { stream: 'a' }, recent === undefined ? {} : { recent });
    const seen: (string | Gap)[] = [];
    log.on((event) => seen.push(event.line));
    log.onGap((gap) => seen.push(gap));
    return { client, fake, socket, log, seen };
  }

  /** Answers the last subscribe frame `socket` got with a start position. */
  function answer(socket: FakeSocket, start: Position & { recovered?: boolean }, frame = socket.last()): void {
    assert.equal(frame['subscribe'], 'log');
    socket.receive({ subscribe: 'log', id: frame['id'], data: { topic: 'log:a', ...start } });
  }

  test('holds publications until the answer, then delivers from the start position, in order, once', async (t) => {
    const { socket, log, seen } = subscribed(t, 2);
    assert.deepEqual(socket.last(), { subscribe: 'log', id: socket.last()['id'], data: { stream: 'a', recent: 2 } });
    assert.equal(log.position, null);
    // A live publication may come before the replayed ones and the answer: all wait for the answer.
    socket.receive(line(13));
    socket.receive(line(11));
    socket.receive(line(12));
    assert.deepEqual(seen, []);
    answer(socket, { epoch: 'e1', offset: 10 });
    await settle();
    assert.deepEqual(seen, ['l11', 'l12', 'l13']);
    assert.deepEqual(log.position, { epoch: 'e1', offset: 13 });
    await log.ready;
    // Duplicates are skipped; the next offset is delivered.
    socket.receive(line(12));
    socket.receive(line(13));
    socket.receive(line(14));
    assert.deepEqual(seen, ['l11', 'l12', 'l13', 'l14']);
    assert.equal(socket.sent.length, 1, 'no other subscription');
  });

  test('a publication before the start position is skipped; without `recent` none is asked for', async (t) => {
    const { socket, seen, log } = subscribed(t);
    assert.deepEqual(socket.last()['data'], { stream: 'a' });
    socket.receive(line(7));
    answer(socket, { epoch: 'e1', offset: 7 });
    await settle();
    socket.receive(line(8));
    assert.deepEqual(seen, ['l8']);
    assert.deepEqual(log.position, { epoch: 'e1', offset: 8 });
  });

  test('an offset that skips one subscribes again with `since` and holds the topic until the answer', async (t) => {
    const { socket, seen, log } = subscribed(t, 5);
    answer(socket, { epoch: 'e1', offset: 3 });
    await settle();
    socket.receive(line(4));
    // 5 was dropped (a slow consumer): 6 asks for what follows 4.
    socket.receive(line(6));
    assert.deepEqual(seen, ['l4']);
    assert.deepEqual(socket.last(), { subscribe: 'log', id: socket.last()['id'], data: { stream: 'a', since: { epoch: 'e1', offset: 4 }, recent: 5 } });
    const repair = socket.last();
    // Held until the answer, whatever comes: live ones, the replay, duplicates.
    socket.receive(line(7));
    socket.receive(line(5));
    socket.receive(line(6));
    socket.receive(line(7));
    assert.deepEqual(seen, ['l4']);
    answer(socket, { epoch: 'e1', offset: 4, recovered: true }, repair);
    await settle();
    assert.deepEqual(seen, ['l4', 'l5', 'l6', 'l7']);
    assert.deepEqual(log.position, { epoch: 'e1', offset: 7 });
    assert.equal(socket.sent.length, 2);

    // Another epoch (the server lost the history) asks again too.
    socket.receive(line(1, 'e2'));
    assert.deepEqual(socket.last()['data'], { stream: 'a', since: { epoch: 'e1', offset: 7 }, recent: 5 });
    socket.receive(line(1, 'e2'));
    socket.receive(line(2, 'e2'));
    answer(socket, { epoch: 'e2', offset: 0, recovered: false });
    await settle();
    assert.deepEqual(seen, ['l4', 'l5', 'l6', 'l7', { from: { epoch: 'e1', offset: 7 }, to: { epoch: 'e2', offset: 0 } }, 'l1', 'l2']);
    assert.deepEqual(log.position, { epoch: 'e2', offset: 2 });
  });

  test('after a reconnect it subscribes again from its position; `recovered: false` is a gap, told before what follows', async (t) => {
    const { client, fake, socket, seen, log } = subscribed(t, 2);
    answer(socket, { epoch: 'e1', offset: 10 });
    await settle();
    socket.receive(line(11));
    // A gap is being repaired when the connection drops.
    socket.receive(line(13));
    const repair = socket.last();
    assert.deepEqual(repair['data'], { stream: 'a', since: { epoch: 'e1', offset: 11 }, recent: 2 });
    socket.drop();
    t.mock.timers.tick(100);
    const second = fake.latest();
    second.open();
    // The server restarted: its publications (a new epoch) may come before the subscription is answered.
    second.receive(line(5, 'e2'));
    second.receive(line(6, 'e2'));
    second.receive(line(7, 'e2'));
    assert.deepEqual(second.sent, [{ subscribe: 'log', id: second.last()['id'], data: { stream: 'a', since: { epoch: 'e1', offset: 11 }, recent: 2 } }]);
    answer(second, { epoch: 'e2', offset: 5, recovered: false });
    await settle();
    const gap = { from: { epoch: 'e1', offset: 11 }, to: { epoch: 'e2', offset: 5 } };
    assert.deepEqual(seen, ['l11', gap, 'l6', 'l7']);
    // The repair that the dropped connection left unanswered goes out again; its answer is stale.
    await client.opened();
    assert.equal(second.sent.length, 2);
    assert.deepEqual(second.last()['data'], repair['data']);
    second.receive(line(6, 'e2'));
    second.receive(line(7, 'e2'));
    answer(second, { epoch: 'e2', offset: 5, recovered: false });
    await settle();
    second.receive(line(8, 'e2'));
    assert.deepEqual(seen, ['l11', gap, 'l6', 'l7', 'l8'], 'no second gap, no duplicate');
    assert.deepEqual(log.position, { epoch: 'e2', offset: 8 });
    assert.equal(second.sent.length, 2);
  });

  test('after a reconnect within the history, exactly the missed publications are delivered', async (t) => {
    const { fake, socket, seen } = subscribed(t);
    answer(socket, { epoch: 'e1', offset: 0 });
    await settle();
    socket.receive(line(1));
    socket.drop();
    t.mock.timers.tick(100);
    const second = fake.latest();
    second.open();
    second.receive(line(4));
    assert.deepEqual(second.last()['data'], { stream: 'a', since: { epoch: 'e1', offset: 1 } });
    second.receive(line(2));
    second.receive(line(3));
    second.receive(line(4));
    answer(second, { epoch: 'e1', offset: 1, recovered: true });
    await settle();
    second.receive(line(5));
    assert.deepEqual(seen, ['l1', 'l2', 'l3', 'l4', 'l5']);
  });

  test('past 1000 held publications the rest are dropped, and it subscribes again from where the first lead', async (t) => {
    const { socket, seen, log } = subscribed(t);
    const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `l${from + i}`);
    // A replay longer than the hold: the first 1000 are kept, the rest dropped.
    for (let offset = 1; offset <= 1500; offset++) socket.receive(line(offset));
    answer(socket, { epoch: 'e1', offset: 0 });
    await settle();
    assert.deepEqual(seen, lines(1, 1000));
    assert.deepEqual(log.position, { epoch: 'e1', offset: 1000 });
    assert.deepEqual(socket.last()['data'], { stream: 'a', since: { epoch: 'e1', offset: 1000 } });
    const again = socket.last();
    for (let offset = 1001; offset <= 1501; offset++) socket.receive(line(offset));
    answer(socket, { epoch: 'e1', offset: 1000, recovered: true }, again);
    await settle();
    assert.deepEqual(seen, lines(1, 1501));
    assert.deepEqual(log.position, { epoch: 'e1', offset: 1501 });
    assert.equal(socket.sent.length, 2);

    // After an overflow it subscribes again even when the held ones were all duplicates: what was
    // dropped is unknown.
    socket.receive(line(1503));
    const third = socket.last();
    for (let offset = 1; offset <= 1100; offset++) socket.receive(line(offset));
    answer(socket, { epoch: 'e1', offset: 1501, recovered: true }, third);
    await settle();
    assert.equal(socket.sent.length, 4, 'subscribed again after the overflow');
    socket.receive(line(1502));
    socket.receive(line(1503));
    answer(socket, { epoch: 'e1', offset: 1501, recovered: true });
    await settle();
    assert.deepEqual(seen, lines(1, 1503));
  });

  test('unsubscribing while a gap is repaired subscribes no more', async (t) => {
    const { socket, seen, log } = subscribed(t);
    answer(socket, { epoch: 'e1', offset: 0 });
    await settle();
    socket.receive(line(2));
    const repair = socket.last();
    const left = log.unsubscribe();
    await settle();
    assert.deepEqual(socket.last(), { unsubscribe: 'log', id: socket.last()['id'], data: { stream: 'a' } });
    socket.receive({ unsubscribe: 'log', id: socket.last()['id'], data: { topic: 'log:a' } });
    await left;
    socket.receive(line(1));
    answer(socket, { epoch: 'e1', offset: 0, recovered: true }, repair);
    await settle();
    socket.receive(line(3));
    assert.deepEqual(seen, []);
    assert.equal(socket.sent.length, 3, 'the subscription, its repair, the unsubscription');
  });

  test('a publication that excluded this connection comes as its position alone: it moves the position, delivers nothing', async (t) => {
    const { client, socket, seen, log } = subscribed(t);
    const untyped: unknown[] = [];
    client.onTopic('log:a', (data) => untyped.push(data));
    answer(socket, { epoch: 'e1', offset: 0 });
    await settle();
    socket.receive(line(1));
    socket.receive({ topic: 'log:a', offset: 2, epoch: 'e1' });
    socket.receive(line(3));
    assert.deepEqual(seen, ['l1', 'l3']);
    assert.deepEqual(untyped, [{ line: 'l1' }, { line: 'l3' }]);
    assert.deepEqual(log.position, { epoch: 'e1', offset: 3 });
    assert.equal(socket.sent.length, 1, 'no gap');
  });

  /** The server's notice that it dropped the publications of `log:a` up to `offset` for this connection. */
  const missed = (offset: number, epoch = 'e1') => ({ topic: 'log:a', offset, epoch, missed: true });

  test('a `missed` notice past the position subscribes again with `since`: it delivers nothing and does not move the position', async (t) => {
    const { client, socket, seen, log } = subscribed(t);
    const untyped: unknown[] = [];
    client.onTopic('log:a', (data) => untyped.push(data));
    answer(socket, { epoch: 'e1', offset: 0 });
    await settle();
    socket.receive(line(1));
    // 2 was dropped from a full queue at the end of a burst: no later publication shows the gap,
    // the notice does. Unlike a position alone at the next offset, it is no reason to move on.
    socket.receive(missed(2));
    assert.deepEqual(seen, ['l1']);
    assert.deepEqual(log.position, { epoch: 'e1', offset: 1 });
    assert.equal(socket.sent.length, 2);
    assert.deepEqual(socket.last(), { subscribe: 'log', id: socket.last()['id'], data: { stream: 'a', since: { epoch: 'e1', offset: 1 } } });
    const repair = socket.last();
    // Held until the answer, like any repair.
    socket.receive(line(3));
    socket.receive(line(2));
    assert.deepEqual(seen, ['l1']);
    answer(socket, { epoch: 'e1', offset: 1, recovered: true }, repair);
    await settle();
    assert.deepEqual(seen, ['l1', 'l2', 'l3']);
    assert.deepEqual(log.position, { epoch: 'e1', offset: 3 });
    assert.equal(socket.sent.length, 2);

    // A notice of another epoch (whatever its offset) asks again too.
    socket.receive(missed(1, 'e2'));
    assert.equal(socket.sent.length, 3);
    assert.deepEqual(socket.last()['data'], { stream: 'a', since: { epoch: 'e1', offset: 3 } });
    socket.receive(line(1, 'e2'));
    answer(socket, { epoch: 'e2', offset: 0, recovered: false });
    await settle();
    assert.deepEqual(seen, ['l1', 'l2', 'l3', { from: { epoch: 'e1', offset: 3 }, to: { epoch: 'e2', offset: 0 } }, 'l1']);
    assert.deepEqual(log.position, { epoch: 'e2', offset: 1 });
    // Untyped handlers get no notice either.
    assert.deepEqual(untyped, [{ line: 'l1' }, { line: 'l3' }, { line: 'l2' }, { line: 'l1' }]);
  });

  test('a stale `missed` notice (at or before the position, same epoch) changes nothing', async (t) => {
    const { socket, seen, log } = subscribed(t);
    answer(socket, { epoch: 'e1', offset: 3 });
    await settle();
    socket.receive(line(4));
    socket.receive(line(5));
    // What was dropped came back in a replay (or was never needed): the position is past it.
    socket.receive(missed(5));
    socket.receive(missed(2));
    assert.deepEqual(log.position, { epoch: 'e1', offset: 5 });
    socket.receive(line(6));
    assert.deepEqual(seen, ['l4', 'l5', 'l6']);
    assert.deepEqual(log.position, { epoch: 'e1', offset: 6 });
    assert.equal(socket.sent.length, 1, 'no other subscription');
  });

  test('a `missed` notice held during a repair is handled after the answer: ignored when passed, else another repair', async (t) => {
    const { socket, seen, log } = subscribed(t);
    answer(socket, { epoch: 'e1', offset: 0 });
    await settle();
    socket.receive(line(1));
    socket.receive(line(3));
    const first = socket.last();
    assert.deepEqual(first['data'], { stream: 'a', since: { epoch: 'e1', offset: 1 } });
    // The replay covers the notice: once the answer came, it is behind the position.
    socket.receive(missed(3));
    socket.receive(line(2));
    socket.receive(line(3));
    answer(socket, { epoch: 'e1', offset: 1, recovered: true }, first);
    await settle();
    assert.deepEqual(seen, ['l1', 'l2', 'l3']);
    assert.deepEqual(log.position, { epoch: 'e1', offset: 3 });
    assert.equal(socket.sent.length, 2, 'the passed notice asks for nothing');

    // This time the notice is past what the replay brings: another repair, from where it leads.
    socket.receive(line(5));
    const second = socket.last();
    assert.deepEqual(second['data'], { stream: 'a', since: { epoch: 'e1', offset: 3 } });
    socket.receive(line(4));
    socket.receive(line(5));
    socket.receive(missed(7));
    answer(socket, { epoch: 'e1', offset: 3, recovered: true }, second);
    await settle();
    assert.deepEqual(seen, ['l1', 'l2', 'l3', 'l4', 'l5']);
    assert.deepEqual(log.position, { epoch: 'e1', offset: 5 });
    assert.equal(socket.sent.length, 4);
    const third = socket.last();
    assert.deepEqual(third['data'], { stream: 'a', since: { epoch: 'e1', offset: 5 } });
    socket.receive(line(6));
    socket.receive(line(7));
    answer(socket, { epoch: 'e1', offset: 5, recovered: true }, third);
    await settle();
    socket.receive(line(8));
    assert.deepEqual(seen, ['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8']);
    assert.deepEqual(log.position, { epoch: 'e1', offset: 8 });
    assert.equal(socket.sent.length, 4);
  });

  test('a subscription refused as `unavailable` (the history is out of reach) holds on and is made again shortly', async (t) => {
    const { client, socket, seen, log } = subscribed(t);
    const errors: string[] = [];
    client.onError((e) => errors.push(e.code));
    answer(socket, { epoch: 'e1', offset: 0 });
    await settle();
    socket.receive(line(2));
    const repair = socket.last();
    socket.receive({ subscribe: 'log', id: repair['id'], error: { code: 'unavailable', message: 'the hub cannot reach Redis' } });
    await settle();
    socket.receive(line(3));
    t.mock.timers.tick(999);
    assert.equal(socket.sent.length, 2);
    t.mock.timers.tick(1);
    assert.equal(socket.sent.length, 3);
    assert.deepEqual(socket.last()['data'], { stream: 'a', since: { epoch: 'e1', offset: 0 } });
    socket.receive(line(1));
    socket.receive(line(2));
    answer(socket, { epoch: 'e1', offset: 0, recovered: true });
    await settle();
    assert.deepEqual(seen, ['l1', 'l2', 'l3']);
    assert.deepEqual(log.position, { epoch: 'e1', offset: 3 });
    assert.deepEqual(errors, ['unavailable']);
    // A first subscription refused so is kept (restored after reconnects) and made again too.
    const other = client.topic('log', { stream: 'b' });
    socket.receive({ subscribe: 'log', id: socket.last()['id'], error: { code: 'unavailable', message: 'later' } });
    assert.equal((await rejection(other.ready)).code, 'unavailable');
    assert.deepEqual(client.restoring, ['subscribe log:a', 'subscribe log:b']);
    t.mock.timers.tick(1000);
    assert.deepEqual(socket.last(), { subscribe: 'log', id: socket.last()['id'], data: { stream: 'b' } });
  });

  test('publications without a position (a topic without history) are delivered as they come', async (t) => {
    const { client, fake } = setup(t);
    const socket = fake.latest();
    socket.open();
    const room = client.topic('room', { room: 'r' });
    const texts: string[] = [];
    room.on((event) => texts.push(event.text));
    socket.receive({ topic: 'room:r', data: { text: 'before the answer' } });
    socket.receive({ subscribe: 'room', id: socket.last()['id'], data: { topic: 'room:r' } });
    await settle();
    socket.receive({ topic: 'room:r', data: { text: 'after' } });
    socket.receive({ topic: 'room:r', data: { text: 'after' } });
    assert.deepEqual(texts, ['before the answer', 'after', 'after']);
  });

  test('types: `recent`, `onGap` and `position` only for a topic with history', (t) => {
    const { client } = setup(t);
    const log: HistorySubscription<{ line: string }> = client.topic('log', { stream: 'a' }, { recent: 10 });
    log.onGap((gap) => {
      const from: Position | null = gap.from;
      const to: Position = gap.to;
      void [from, to];
    });
    const room: TopicSubscription<{ text: string }> = client.topic('room', { room: 'r' });
    // @ts-expect-error `room` keeps no history: nothing to recover, no `recent`
    client.topic('room', { room: 'r' }, { recent: 10 });
    // @ts-expect-error nor gaps
    room.onGap(() => undefined);
    // @ts-expect-error `recent` is a number
    client.topic('log', { stream: 'a' }, { recent: '10' });
    // @ts-expect-error a gap's `to` is a Position
    log.onGap((gap: { to: number }) => void gap);
  });
});

describe('close', () => {
  test('close() fails waiting calls, closes the socket with 1000 and stops reconnecting', async (t) => {
    const { client, fake, states } = setup(t);
    const socket = fake.latest();
    socket.open();
    const inFlight = client.call('say', { text: 'x' });
    client.close();
    assert.deepEqual(socket.closedWith, { code: 1000, reason: '' });
    assert.equal((await rejection(inFlight)).code, 'closed');
    assert.equal((await rejection(client.call('say', { text: 'y' }))).code, 'closed');
    assert.throws(() => client.notify('say', { text: 'z' }), /closed/);
    // The socket's own close event after close() changes nothing.
    socket.drop(1000);
    t.mock.timers.tick(60_000);
    assert.equal(fake.sockets.length, 1);
    assert.deepEqual(
      states.map((s) => s.state),
      ['open', 'closed'] satisfies ConnectionState[],
    );
  });

  test('close() while waiting to reconnect cancels the attempt', (t) => {
    const { client, fake } = setup(t);
    fake.latest().open();
    fake.latest().drop();
    client.close();
    t.mock.timers.tick(60_000);
    assert.equal(fake.sockets.length, 1);
    assert.equal(client.state, 'closed');
  });
});

describe('WebSocket implementation', () => {
  test('without options.WebSocket and without a global one, connecting says what to pass', () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      assert.throws(() => connectChannel<RoomChannel>(meta, 'ws://h', { tenant: 't', room: 'r' }), /pass one as options\.WebSocket/);
    } finally {
      if (saved !== undefined) global.WebSocket = saved;
    }
  });
});
