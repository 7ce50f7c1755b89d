// The wirechan client runtime: a typed WebSocket client for wirechan channels in envelope mode
// (subprotocol `wirechan.v1`, docs/PROTOCOL.md section 3). `wirechan ts` copies this file verbatim
// at the top of every generated module, so it imports nothing, needs no npm package at run time,
// and compiles without DOM or Node type declarations. It runs in browsers and in Node 20+ (pass
// the `ws` package's `WebSocket` as `options.WebSocket` where there is no global one). It compiles
// with `tsc --strict` for any target from ES2015 on (lib ES2015 or newer).

/** The subprotocol that selects the envelope mode (ids, `data`/`error` replies). */
export const WIRECHAN_PROTOCOL = 'wirechan.v1';

/**
 * A JSON array of exactly `N` elements of `T`: a Rust `[T; N]` longer than the generator writes out
 * as a tuple. TypeScript unrolls it one element per step, up to 999.
 */
export type FixedArray<T, N extends number, A extends T[] = []> = A['length'] extends N ? A : FixedArray<T, N, [...A, T]>;

/** One routed action of a channel, as the generator describes it. */
export interface ActionSpec {
  /** The routing key the action is wired under (usually `action`). */
  key: string;
  /** What the server accepts. */
  input: unknown;
  /** What the server replies. */
  output: unknown;
  /** What the action sends while it runs (progress of a call, or a push); `never` when nothing. */
  progress: unknown;
}

/** One topic a channel declares, as the generator describes it. */
export interface TopicSpec {
  /** The topic's parameters (the fields of its Rust struct). */
  params: unknown;
  /** What every publication to it carries. */
  payload: unknown;
  /** Whether the client may subscribe to it itself (else only the server subscribes it). */
  subscribe: boolean;
  /** Whether it keeps a history: its publications carry positions, and a subscription recovers what it missed. */
  history: boolean;
}

/** The types of one channel, as the generator describes it. */
export interface ChannelSpec {
  /** The channel's name. */
  name: string;
  /** The route pattern, e.g. `/chat` or `/chat/:room`. */
  route: string;
  /** Path params and query of the upgrade request. */
  openingData: unknown;
  /** The data of the `{"event":"connect"}` frame (what `on_connect` returns). */
  connect: unknown;
  /** The routed actions by name. */
  actions: Record<string, ActionSpec>;
  /** The declared topics by name. */
  topics: Record<string, TopicSpec>;
}

/** What the client needs at run time about a channel (the generator emits one per channel). */
export interface ChannelMeta {
  /** The channel's name. */
  name: string;
  /** The route pattern, e.g. `/chat/:room`. */
  route: string;
  /** The route's `:params`, filled from the opening data. */
  params: string[];
  /** The routing keys, in the order the server tries them. */
  routingKeys: string[];
  /** The routing key of each action. */
  actions: Record<string, { key: string }>;
  /** The name pattern of each declared topic (`room:{room}`), and whether clients subscribe to it. */
  topics: Record<string, { pattern: string; subscribe: boolean }>;
}

/** How a WebSocket handler slot is typed: loose enough for the DOM's and the `ws` package's. */
export type WebSocketHandler<E> = { bivarianceHack(event: E): void }['bivarianceHack'] | null;

/** The part of the WebSocket API the client uses; the browser's `WebSocket` and `ws` both fit. */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Set to `arraybuffer` so that binary frames can be decoded without Blob. */
  binaryType?: string;
  /** Called once the handshake completed. */
  onopen: WebSocketHandler<unknown>;
  /** Called for every frame. */
  onmessage: WebSocketHandler<{ data: unknown }>;
  /** Called when the connection ended (also after a failed handshake). */
  onclose: WebSocketHandler<{ code: number; reason: string }>;
  /** Called on a transport error; `onclose` follows. */
  onerror: WebSocketHandler<unknown>;
  /** Sends a text frame. */
  send(data: string): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: the browser's global `WebSocket`, or `WebSocket` from `ws`. */
export type WebSocketCtor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The connection's state, as `onState` reports it. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What `onState` handlers receive besides the state. */
export interface StateChange {
  /** The new state. */
  state: ConnectionState;
  /** Reconnect attempts since the connection was last open (0 while connecting the first time). */
  attempt: number;
  /** With `reconnecting`: how long until the next attempt, in milliseconds. */
  delayMs?: number;
  /** With `reconnecting` and `closed`: the close code of the connection that ended, if any. */
  closeCode?: number;
  /** With `reconnecting` and `closed`: its close reason. */
  closeReason?: string;
}

/** Exponential backoff between reconnect attempts. */
export interface ReconnectOptions {
  /** Delay before the first attempt (default 250 ms); doubles on each failed attempt. */
  initialDelayMs?: number;
  /** Upper bound of the delay (default 10 000 ms). */
  maxDelayMs?: number;
  /** Share of the delay taken off at random, 0 to 1 (default 0.3): spreads clients out. */
  jitter?: number;
}

/**
 * How the client keeps its connection signed in. It calls `action` with what `input` returns
 * (e.g. `{ token: await getToken() }`) as each connection opens, before restored and queued
 * calls, and again ahead of the session's expiry on the same socket, without reconnecting. A call
 * refused with `session_expired` (the renewal came too late, e.g. after the device slept) renews
 * the session and is sent once more. Failed sign-ins are reported to `onError` handlers.
 */
export interface SessionOptions<C extends ChannelSpec, A extends ActionName<C>> {
  /** The action that signs in, e.g. `authenticate`. */
  action: A;
  /** The sign-in's input, e.g. with a fresh token: called for every sign-in. */
  input: () => ActionInput<C, A> | Promise<ActionInput<C, A>>;
  /**
   * When the session a sign-in opened expires, in milliseconds since the epoch, read from its
   * output (e.g. `(out) => out.expiresAt`). Without it the session is renewed only after a
   * reconnect or a `session_expired` refusal.
   */
  expiresAt?: (output: ActionOutput<C, A>) => number | undefined;
  /** How long before the expiry to renew (default: a quarter of the time left, at most 60 s). */
  renewAheadMs?: number;
}

/** `SessionOptions` for any one action of the channel. */
export type SessionOption<C extends ChannelSpec> = { [A in ActionName<C>]: SessionOptions<C, A> }[ActionName<C>];

/** Options of `connectChannel` and the generated `connect<Channel>` functions. */
export interface ClientOptions<C extends ChannelSpec = ChannelSpec> {
  /** The WebSocket implementation; defaults to the global `WebSocket`. On Node 20 pass `ws`'s. */
  WebSocket?: WebSocketCtor;
  /** Default timeout of a call, from the moment `call` is made (default 10 000 ms). */
  callTimeoutMs?: number;
  /** Backoff of reconnects, or `false` to never reconnect (default: reconnect). */
  reconnect?: ReconnectOptions | false;
  /** How many calls and notifications may wait while disconnected (default 100). */
  maxQueued?: number;
  /**
   * Whether to reconnect after the server closed with `code`. By default the client reconnects
   * after anything but a deliberate closure: 1000 (the channel closed the connection), 1008
   * (policy violation) and 4000-4999 (the application's own codes, e.g. a refused sign-in).
   */
  shouldReconnect?: (code: number, reason: string) => boolean;
  /** Keeps the connection signed in (see `SessionOptions`). */
  session?: SessionOption<C>;
}

/** What `restore` keeps: one entry per key, replayed in the order keys were first recorded. */
export type RestoreOption = boolean | { key: string };

/** Options of one call; `P` is what the action sends while it runs. */
export interface CallOptions<P = unknown> {
  /** Timeout of this call in milliseconds (default `ClientOptions.callTimeoutMs`). */
  timeoutMs?: number;
  /**
   * Replay this call after every reconnect, before queued calls are sent, once it has succeeded
   * (e.g. `authenticate`, or a `join`). `true` keys the entry by the action name, so a later
   * successful call of the same action replaces it (a refreshed token); `{ key }` keeps one entry
   * per key (one per joined room). `forget(key)` removes an entry.
   */
  restore?: RestoreOption;
  /** Receives the call's progress frames (the function's `Progress<T>`), typed. */
  onProgress?: (progress: P) => void;
}

/** Codes the client itself gives a failed call (the server's codes are in docs/PROTOCOL.md). */
export type ClientErrorCode = 'timeout' | 'disconnected' | 'queue_full' | 'closed' | 'encode_error';

/** A failed call: the server's error (`code`, `message`, `details`) or one of `ClientErrorCode`. */
export class ChannelCallError extends Error {
  /** The error code, e.g. `invalid_input`, `unauthorized`, `timeout`. */
  declare readonly code: string;
  /** Structured details, e.g. `{ path, reason }` for `invalid_input`. */
  declare readonly details: unknown;
  /** The action the error belongs to, when known. */
  declare readonly action: string | undefined;

  constructor(code: string, message: string, details?: unknown, action?: string) {
    // (`instanceof` works: the module needs ES2015 or newer, where classes extend `Error` natively.)
    super(message);
    this.name = 'ChannelCallError';
    this.code = code;
    this.details = details;
    this.action = action;
  }
}

/** The names of a channel's declared topics. */
export type TopicName<C extends ChannelSpec> = keyof C['topics'] & string;
/** The parameters of a topic. */
export type TopicParams<C extends ChannelSpec, T extends TopicName<C>> = C['topics'][T]['params'];
/** What a topic's publications carry. */
export type TopicPayload<C extends ChannelSpec, T extends TopicName<C>> = C['topics'][T]['payload'];

/**
 * The name of a topic for `params`: its pattern's `{param}` segments replaced by the values, with
 * `%` and `:` in them escaped (`%25`, `%3A`) as the server does (docs/PROTOCOL.md section 4).
 */
export function topicName(pattern: string, params: unknown): string {
  const values: Record<string, unknown> = isRecord(params) ? params : {};
  return pattern
    .split(':')
    .map((segment) => {
      if (!segment.startsWith('{') || !segment.endsWith('}')) return segment;
      const name = segment.slice(1, -1);
      const value = values[name];
      if (value === undefined || value === null) throw new TypeError(`topic ${pattern} needs the parameter \`${name}\``);
      return String(value).replace(/[%:]/g, encodeURIComponent);
    })
    .join(':');
}

/**
 * One topic of a channel, as `client.topic(..)` returns it. For a topic the client may subscribe
 * to, creating it subscribes (and every reconnect subscribes again, in order, before queued calls);
 * for one the server subscribes connections to, it only listens.
 */
export interface TopicSubscription<P> {
  /** The topic's name, e.g. `room:general`: what its publications carry in `topic`. */
  readonly name: string;
  /**
   * Resolves once the server accepted the subscription; rejects with its refusal (`forbidden`, ..).
   * After `unavailable` (a topic's history out of the server's reach for now) the subscription is
   * kept and made again shortly.
   */
  readonly ready: Promise<void>;
  /** Receives every publication to the topic, typed; returns a function that stops receiving. */
  on(handler: (payload: P) => void): () => void;
  /** Stops receiving, and (for a client subscription) leaves the topic and stops restoring it. */
  unsubscribe(): Promise<void>;
}

/**
 * Where a publication stands in the history of its topic: `offset` grows by one per publication,
 * `epoch` names one unbroken history (a new one starts when the server lost the history).
 */
export interface Position {
  epoch: string;
  offset: number;
}

/**
 * Publications a subscription missed and cannot get back (docs/PROTOCOL.md, "Topics with
 * history"): those after `from` (`null`: before anything was delivered) up to `to`, where the
 * subscription goes on (publications after `to` are delivered). The application should reload
 * what it shows from the topic.
 */
export interface Gap {
  from: Position | null;
  to: Position;
}

/**
 * A subscription of a topic with history. It gets every publication once and in order, across
 * reconnects and publications the server dropped (it subscribes again from its position), or is
 * told where it missed some (`onGap`).
 */
export interface HistorySubscription<P> extends TopicSubscription<P> {
  /**
   * The position reached: of the last publication delivered (or skipped: the subscriber's own
   * come as their position alone), else the start position the server answered; `null` before it did.
   */
  readonly position: Position | null;
  /** Receives the gaps the server could not fill, before the publications after them; returns a function that stops receiving. */
  onGap(handler: (gap: Gap) => void): () => void;
}

/** Whether the client may subscribe to topic `T` itself and recover its history. */
type Recovers<C extends ChannelSpec, T extends TopicName<C>> = C['topics'][T] extends { history: true; subscribe: true } ? true : false;

/**
 * Options of `client.topic(..)`. `recent`, for a topic with history: how many of its last
 * publications to deliver first, when there is nothing to recover from (at most its history's size).
 */
export type TopicOptions<C extends ChannelSpec, T extends TopicName<C>> = Recovers<C, T> extends true ? { recent?: number } : { recent?: never };

/** What `client.topic(..)` returns: a `HistorySubscription` for a topic with history. */
export type Subscription<C extends ChannelSpec, T extends TopicName<C>> = Recovers<C, T> extends true
  ? HistorySubscription<TopicPayload<C, T>>
  : TopicSubscription<TopicPayload<C, T>>;

/** The names of a channel's actions. */
export type ActionName<C extends ChannelSpec> = keyof C['actions'] & string;
/** The input type of an action. */
export type ActionInput<C extends ChannelSpec, A extends ActionName<C>> = C['actions'][A]['input'];
/** The output type of an action. */
export type ActionOutput<C extends ChannelSpec, A extends ActionName<C>> = C['actions'][A]['output'];
/** What an action sends while it runs: its progress frames and pushes. */
export type ActionProgress<C extends ChannelSpec, A extends ActionName<C>> = C['actions'][A]['progress'];
/** The arguments after the action name: the input may be left out when it may be `undefined`. */
export type CallArgs<I, P = unknown> = undefined extends I
  ? [input?: I, options?: CallOptions<P>]
  : [input: I, options?: CallOptions<P>];

interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// Reached through `globalThis` so that this file needs neither DOM nor Node declarations.
const timers = globalThis as unknown as Timers;

const DEFAULT_CALL_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_QUEUED = 100;
const DEFAULT_RECONNECT: Required<ReconnectOptions> = { initialDelayMs: 250, maxDelayMs: 10_000, jitter: 0.3 };

/**
 * The delay before reconnect attempt `attempt` (0-based): `initialDelayMs * 2^attempt`, capped at
 * `maxDelayMs`, less a random share of up to `jitter`. Always within `[base * (1 - jitter), base]`.
 */
export function backoffDelay(attempt: number, options: ReconnectOptions = {}, random: () => number = Math.random): number {
  const initial = Math.max(0, options.initialDelayMs ?? DEFAULT_RECONNECT.initialDelayMs);
  const max = Math.max(initial, options.maxDelayMs ?? DEFAULT_RECONNECT.maxDelayMs);
  const jitter = Math.min(1, Math.max(0, options.jitter ?? DEFAULT_RECONNECT.jitter));
  const base = Math.min(max, initial * 2 ** Math.max(0, attempt));
  return Math.round(base * (1 - jitter * Math.min(1, Math.max(0, random()))));
}

function defaultShouldReconnect(code: number): boolean {
  return !(code === 1000 || code === 1008 || (code >= 4000 && code <= 4999));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function queryValue(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw new TypeError(`opening data \`${name}\` must be a string, number or boolean to go in the URL`);
}

/**
 * The URL of a channel: `base` (`ws://host:port`, `wss://...`; `http(s)://` is turned into
 * `ws(s)://`) + the route with its `:params` filled from `openingData` + the rest of the opening
 * data as the query. `null`/`undefined` members are left out; arrays repeat their key.
 */
export function channelUrl(meta: ChannelMeta, base: string, openingData: unknown): string {
  // Its members become the path params and the query.
  if (openingData != null && !isRecord(openingData)) throw new TypeError('opening data must be an object');
  const data = (openingData ?? {}) as Record<string, unknown>;
  const root = base.replace(/^http(s?):\/\//i, 'ws$1://').replace(/\/+$/, '');
  const params = new Set(meta.params);
  const path = meta.route
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment;
      const name = segment.slice(1);
      const value = data[name];
      if (value === undefined || value === null) {
        throw new TypeError(`opening data is missing \`${name}\`, a parameter of route ${meta.route}`);
      }
      return encodeURIComponent(queryValue(name, value));
    })
    .join('/');
  const query: string[] = [];
  for (const name of Object.keys(data)) {
    const value = data[name];
    if (params.has(name) || value == null) continue;
    const values: unknown[] = Array.isArray(value) ? value : [value];
    for (const v of values) query.push(`${encodeURIComponent(name)}=${encodeURIComponent(queryValue(name, v))}`);
  }
  return root + path + (query.length > 0 ? `?${query.join('&')}` : '');
}

interface PendingCall {
  id: number;
  action: string;
  frame: string;
  input: unknown;
  restoreKey: string | undefined;
  sent?: boolean;
  timer?: unknown;
  resolve: (value: unknown) => void;
  reject: (error: ChannelCallError) => void;
  onProgress: ((progress: unknown) => void) | undefined;
  /** Sent again after a reconnect rather than failed with `disconnected` (an idempotent frame). */
  resend: boolean | undefined;
  /** Sent once more after a `session_expired` refusal. */
  retried?: boolean;
}

/**
 * How `#send` sends a call: `CallOptions`, the routing key when not the action's own, and whether
 * it is sent again after a reconnect (`resend`) or at once while restoring (`now`).
 */
interface SendOptions extends CallOptions<unknown> {
  key?: string | undefined;
  resend?: boolean;
  now?: boolean;
}

/** A queued call (by id) or notification (its frame). */
type Queued = { call: PendingCall } | { frame: string };

interface RestoreEntry {
  action: string;
  input: unknown;
  /** The routing key, when not the action's own (`subscribe`). */
  key?: string;
  /** Replays it, instead of sending `input` (the subscriptions of a topic, each from its position). */
  run?: () => Promise<unknown>;
}

/**
 * A publication as the client reads it: its payload and, for a topic with history, its position
 * (alone, without `data`, for a subscriber the publication excluded; alone with `missed`, for
 * publications up to it that the server dropped for this connection).
 */
type Publication = { data?: unknown; missed?: boolean } & Partial<Position>;

/** The routing keys of topic frames (docs/PROTOCOL.md section 4). */
const SUBSCRIBE = 'subscribe';
const UNSUBSCRIBE = 'unsubscribe';
/** Codes of a call the client gave up on, or that the server refused for now, rather than for good. */
const LOST = ['timeout', 'disconnected', 'closed', 'queue_full', 'unavailable'];

type Phase = 'connecting' | 'restoring' | 'open' | 'closed';

/**
 * A typed client of one channel. It connects at once, reconnects with backoff after the
 * connection drops, queues calls while disconnected, and replays `restore` calls on every
 * reconnect before anything else is sent.
 */
export class ChannelClient<C extends ChannelSpec> {
  readonly #meta: ChannelMeta;
  readonly #url: string;
  readonly #ctor: WebSocketCtor;
  readonly #options: ClientOptions<C>;
  readonly #session: SessionOptions<C, ActionName<C>> | undefined;

  #socket: WebSocketLike | undefined;
  #phase: Phase = 'connecting';
  #state: ConnectionState = 'connecting';
  #attempt = 0;
  #everOpened = false;
  #reconnectTimer: unknown;
  #renewTimer: unknown;
  #renewing: Promise<void> | undefined;
  #lastId = 0;
  readonly #pending = new Map<number, PendingCall>();
  #queue: Queued[] = [];
  readonly #restores = new Map<string, RestoreEntry>();
  readonly #pushHandlers = new Map<string, Set<(data: unknown) => void>>();
  readonly #topicHandlers = new Map<string, Set<(frame: Publication) => void>>();
  /** The live client subscriptions of each topic, by the function that subscribes each again. */
  readonly #topicSubs = new Map<string, Set<() => Promise<unknown>>>();
  readonly #connectHandlers = new Set<(data: C['connect']) => void>();
  readonly #stateHandlers = new Set<(state: ConnectionState, change: StateChange) => void>();
  readonly #errorHandlers = new Set<(error: ChannelCallError) => void>();
  #openWaiters: { resolve: () => void; reject: (error: ChannelCallError) => void }[] = [];

  /** Prefer `connectChannel` or the generated `connect<Channel>` function. */
  constructor(meta: ChannelMeta, url: string, openingData: C['openingData'], options: ClientOptions<C> = {}) {
    const ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
    if (ctor === undefined) {
      throw new TypeError('there is no global WebSocket: pass one as options.WebSocket (e.g. `WebSocket` from the ws package)');
    }
    this.#meta = meta;
    this.#url = channelUrl(meta, url, openingData);
    this.#ctor = ctor;
    this.#options = options;
    this.#session = options.session as SessionOptions<C, ActionName<C>> | undefined;
    this.#open(true);
  }

  /** The URL the client connects to. */
  get url(): string {
    return this.#url;
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** How many calls and notifications wait for the connection. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Calls `action` and resolves with its output. Rejects with a `ChannelCallError`: the server's
   * error, or `timeout`, `disconnected` (the connection dropped while the call was in flight; it
   * may or may not have run), `queue_full`, `closed`, `encode_error`.
   */
  call<A extends ActionName<C>>(action: A, ...args: CallArgs<ActionInput<C, A>, ActionProgress<C, A>>): Promise<ActionOutput<C, A>> {
    const [input, options] = args as [unknown, CallOptions<unknown> | undefined];
    return this.#send(action, input, options) as Promise<ActionOutput<C, A>>;
  }

  /**
   * Sends `action` without waiting for a result (a frame without id). Only an error answers,
   * reported to `onError` handlers. Throws `queue_full` or `closed` when it cannot be queued.
   */
  notify<A extends ActionName<C>>(action: A, ...args: CallArgs<ActionInput<C, A>, ActionProgress<C, A>>): void {
    const [input] = args as [unknown, CallOptions<unknown> | undefined];
    if (this.#phase === 'closed') throw new ChannelCallError('closed', 'the client is closed', undefined, action);
    const frame = this.#frame(action, input, undefined);
    const full = this.#full();
    if (this.#phase === 'open' && this.#socket !== undefined) {
      this.#socket.send(frame);
    } else if (full) {
      throw new ChannelCallError('queue_full', full, undefined, action);
    } else {
      this.#queue.push({ frame });
    }
  }

  /** Removes a `restore` entry (by its key: the action name for `restore: true`). */
  forget(key: string): boolean {
    return this.#restores.delete(key);
  }

  /** The keys of the calls replayed after a reconnect, in replay order. */
  get restoring(): string[] {
    return [...this.#restores.keys()];
  }

  /** Receives pushes of `action` (what it sends outside a call with an id, e.g. for a notification), typed. */
  on<A extends ActionName<C>>(action: A, handler: (data: ActionProgress<C, A>) => void): () => void {
    return subscribe(this.#pushHandlers, action, handler as (data: unknown) => void);
  }

  /** Receives the `{"event":"connect"}` frame of every connection (each reconnect sends one). */
  onConnect(handler: (data: C['connect']) => void): () => void {
    return listen(this.#connectHandlers, handler);
  }

  /**
   * A declared topic with these parameters: `client.topic('room', { room: 'general' }).on((event) => ..)`.
   * A topic the client may subscribe to is subscribed at once and after every reconnect until
   * `unsubscribe()`; `ready` tells whether the server accepted. For a topic with history, each
   * subscription delivers every publication once and in order: it holds the publications until the
   * server answered, skips those it delivered already, subscribes again from its position when
   * one is missing or the server says it dropped some (and after every reconnect), and reports what the server could not fill with
   * `onGap`; `options.recent` asks for the last publications first.
   */
  topic<T extends TopicName<C>>(topic: T, params: TopicParams<C, T>, options?: TopicOptions<C, T>): Subscription<C, T> {
    const meta = this.#meta.topics[topic];
    if (meta === undefined) throw new TypeError(`channel ${this.#meta.name} declares no topic \`${topic}\``);
    const name = topicName(meta.pattern, params);
    // Each subscription has its own handlers and position; the connection leaves the topic with the last one.
    const own = new Set<(payload: unknown) => void>();
    const gaps = new Set<(gap: Gap) => void>();
    let pos: Position | null = null;
    // The publications held while a subscription waits for its answer (the first 1000: `over` once
    // more came, to subscribe again from where those lead).
    let held: Publication[] | undefined;
    let over = false;
    // The socket of the last answer: publications on a new one wait for its subscription.
    let socket: WebSocketLike | undefined;
    // Which subscription frame is the last sent: only its answer counts.
    let sent = 0;
    // A publication that excluded this connection (its own) comes as its position alone: nothing to deliver.
    const deliver = (frame: Publication) => 'data' in frame && emit(own, (h) => h(frame.data));
    // A `missed` notice (the server dropped publications up to its position) never moves the
    // position: one past it is a gap like a skipped offset, one it reached already changes nothing.
    const take = (frame: Publication): void => {
      const { epoch, offset, missed } = frame;
      if (!meta.subscribe) return void deliver(frame);
      if (held === undefined && socket !== this.#socket) held = [];
      if (held !== undefined) {
        if (held.length < 1000) held.push(frame);
        else over = true;
      } else if (!missed && (offset === undefined || pos === null || (epoch === pos.epoch && offset === pos.offset + 1))) {
        if (offset !== undefined) pos = { epoch: epoch!, offset };
        deliver(frame);
      } else if (epoch !== pos?.epoch || offset! > pos!.offset) {
        again();
      }
    };
    /** Subscribes, from the position when there is one; the publications wait for the answer. */
    const track = (subscribed: Promise<unknown>): Promise<unknown> => {
      const mine = ++sent;
      held ??= [];
      over = false;
      const answered = (answer: unknown): void => {
        if (mine !== sent) return;
        // Refused for now (the hub cannot read the history): it holds on and subscribes again shortly.
        if ((answer as ChannelCallError | undefined)?.code === 'unavailable') return void timers.setTimeout(() => mine === sent && again(), 1000);
        const start = (answer ?? {}) as Partial<Position> & { recovered?: boolean };
        if (start.offset !== undefined) {
          const to = { epoch: start.epoch!, offset: start.offset };
          if (start.recovered === false) emit(gaps, (h) => h({ from: pos, to }));
          if (start.recovered === false || pos === null) pos = to;
        }
        const frames = held ?? [];
        held = undefined;
        socket = this.#socket;
        // In offset order; a `missed` notice after the publication at its offset, which answers it.
        for (const frame of frames.sort((a, b) => a.offset! - b.offset! || +!!a.missed - +!!b.missed)) take(frame);
        if (over) again();
      };
      subscribed.then(answered, answered);
      return subscribed;
    };
    const input = () => ({ ...(params as object), since: pos ?? undefined, recent: options?.recent });
    const again = () => track(this.#topicCall(SUBSCRIBE, topic, input()));
    const stop = subscribe(this.#topicHandlers, name, take);
    const made = (ready: Promise<unknown>, leave: () => Promise<unknown>) => {
      // A refusal is also reported to `onError`; awaiting `ready` is optional.
      ready.catch(() => undefined);
      return {
        name,
        ready,
        get position() {
          return pos;
        },
        on: (handler: (payload: unknown) => void) => listen(own, handler),
        onGap: (handler: (gap: Gap) => void) => listen(gaps, handler),
        // Answers still to come no longer count.
        unsubscribe: () => (own.clear(), sent++, leave()),
      } as unknown as Subscription<C, T>;
    };
    if (!meta.subscribe) return made(Promise.resolve(), () => Promise.resolve(stop()));
    // Restored from now on, so that a subscription whose answer a dropped connection lost is made
    // again; a refusal removes it. After a reconnect, every subscription of the topic subscribes
    // again from its own position.
    const restoreKey = `${SUBSCRIBE} ${name}`;
    const all = setOf(this.#topicSubs, name);
    const restore = () => track(this.#replay({ action: topic, input: input(), key: SUBSCRIBE }));
    all.add(restore);
    this.#restores.set(restoreKey, { action: topic, input: params, key: SUBSCRIBE, run: () => Promise.all([...all].map((f) => f())) });
    /** Drops this subscription; true when it was the topic's last one. */
    const release = (): boolean => all.delete(restore) && all.size === 0 && this.#topicSubs.delete(name) && this.#restores.delete(restoreKey);
    const ready = again().catch((error: ChannelCallError) => {
      if (!LOST.includes(error.code)) release();
      throw error;
    });
    // Left once the subscription is answered: the server may run an unsubscription sent earlier first.
    const leave = (): Promise<unknown> => {
      stop();
      if (!release()) return Promise.resolve();
      return ready.then(
        () => this.#phase === 'open' && this.#topicCall(UNSUBSCRIBE, topic, params),
        () => undefined,
      );
    };
    return made(ready, leave);
  }

  /**
   * Receives publications to a topic named by a string, untyped (a topic no channel declares): each
   * as it comes, with no regard for positions (a topic with history may send some again).
   */
  onTopic(topic: string, handler: (data: unknown, topic: string) => void): () => void {
    return subscribe(this.#topicHandlers, topic, (frame) => 'data' in frame && handler(frame.data, topic));
  }

  /** Receives every state change, and each new reconnect attempt. */
  onState(handler: (state: ConnectionState, change: StateChange) => void): () => void {
    return listen(this.#stateHandlers, handler);
  }

  /** Receives errors not tied to a call: failed notifications, failed replays of `restore` calls, bad frames. */
  onError(handler: (error: ChannelCallError) => void): () => void {
    return listen(this.#errorHandlers, handler);
  }

  /** Resolves when the client is (next) open and restored; rejects if it closes first. */
  opened(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(new ChannelCallError('closed', 'the client is closed'));
    return new Promise((resolve, reject) => this.#openWaiters.push({ resolve, reject }));
  }

  /** Closes the connection and stops reconnecting; waiting calls fail with `closed`. */
  close(code = 1000, reason = ''): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    timers.clearTimeout(this.#reconnectTimer);
    timers.clearTimeout(this.#renewTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) {
      // Its handlers ignore it from now on (it is no longer `#socket`).
      try {
        socket.close(code, reason);
      } catch {
        // Already closing: nothing more to do.
      }
    }
    this.#failAll(new ChannelCallError('closed', 'the client is closed'));
    this.#setState({ state: 'closed', attempt: this.#attempt });
  }

  /**
   * Sends a call, or queues it while the connection is not open (unless `now`: a replay while
   * restoring), and resolves with its reply's `data`.
   */
  #send(action: string, input: unknown, options: SendOptions = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const fail = (code: string, message: string, details?: unknown) => reject(new ChannelCallError(code, message, details, action));
      if (this.#phase === 'closed') return fail('closed', 'the client is closed');
      const id = (this.#lastId += 1);
      let frame: string;
      try {
        frame = this.#frame(action, input, id, options.key);
      } catch (e) {
        return fail('encode_error', `could not encode the input of ${action}: ${String(e)}`);
      }
      const now = options.now || this.#phase === 'open';
      const full = !now && !options.resend && this.#full();
      if (full) return fail('queue_full', full);
      const restore = options.restore;
      const call: PendingCall = {
        id,
        action,
        frame,
        input,
        restoreKey: restore ? (restore === true ? action : restore.key) : undefined,
        resend: options.resend,
        resolve,
        reject,
        onProgress: options.onProgress,
      };
      const timeoutMs = options.timeoutMs ?? this.#options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
      call.timer = timers.setTimeout(() => {
        if (this.#pending.get(id) !== call) return;
        this.#pending.delete(id);
        if (!call.sent) this.#queue = this.#queue.filter((item) => !('call' in item) || item.call !== call);
        fail('timeout', `${action} got no reply within ${timeoutMs} ms`, { timeoutMs });
      }, timeoutMs);
      this.#pending.set(id, call);
      this.#transmit(call, now);
    });
  }

  /**
   * Sends a subscribe or unsubscribe frame as a call. One that a dropped connection leaves
   * unanswered is sent again after the reconnect (both are idempotent); a refusal is also
   * reported to `onError`.
   */
  #topicCall(key: string, topic: string, params: unknown): Promise<unknown> {
    return this.#send(topic, params, { key, resend: true }).catch((error: ChannelCallError) => {
      this.#report(error);
      throw error;
    });
  }

  #frame(action: string, input: unknown, id: number | undefined, routingKey?: string): string {
    const key = routingKey ?? this.#meta.actions[action]?.key ?? this.#meta.routingKeys[0] ?? 'action';
    const frame: Record<string, unknown> = { [key]: action };
    if (id !== undefined) frame['id'] = id;
    if (input !== undefined) frame['data'] = input;
    return JSON.stringify(frame);
  }

  #open(first: boolean): void {
    let socket: WebSocketLike;
    try {
      socket = new this.#ctor(this.#url, [WIRECHAN_PROTOCOL]);
    } catch (e) {
      if (first) throw e;
      this.#lost(1006, `could not open a WebSocket: ${String(e)}`);
      return;
    }
    this.#socket = socket;
    try {
      socket.binaryType = 'arraybuffer';
    } catch {
      // Implementations without binary frames: text is all the protocol needs.
    }
    socket.onopen = () => {
      if (this.#socket === socket) void this.#restore(socket);
    };
    socket.onmessage = (event) => {
      if (this.#socket === socket) this.#receive(event.data);
    };
    socket.onclose = (event) => {
      if (this.#socket === socket) this.#lost(event.code, event.reason);
    };
    socket.onerror = () => {
      // The close event that follows carries what is known; browsers give errors no detail.
    };
  }

  async #restore(socket: WebSocketLike): Promise<void> {
    this.#phase = 'restoring';
    this.#attempt = 0;
    if (this.#session !== undefined) {
      try {
        await this.#signIn((input) => this.#replay({ action: this.#session!.action, input }));
      } catch (e) {
        if (this.#socket !== socket) return;
        this.#report(asError(e, 'signing in', this.#session.action));
      }
    }
    // Replayed one at a time: the server runs envelope calls concurrently, and a `join` may need
    // the session that the `authenticate` before it sets.
    for (const [key, entry] of [...this.#restores]) {
      if (this.#socket !== socket) return;
      try {
        await (entry.run?.() ?? this.#replay(entry));
      } catch (e) {
        if (this.#socket !== socket) return;
        this.#report(asError(e, `replaying ${key} after a reconnect`, entry.action));
      }
    }
    if (this.#socket !== socket) return;
    this.#phase = 'open';
    this.#everOpened = true;
    const queue = this.#queue;
    this.#queue = [];
    for (const item of queue) {
      if ('call' in item) this.#transmit(item.call);
      else socket.send(item.frame);
    }
    this.#setState({ state: 'open', attempt: 0 });
  }

  /** Signs in with a fresh input through `send`, then schedules the renewal. */
  async #signIn(send: (input: unknown) => Promise<unknown>): Promise<void> {
    const session = this.#session!;
    timers.clearTimeout(this.#renewTimer);
    const output = await send(await session.input());
    const expiresAt = session.expiresAt?.(output as ActionOutput<C, ActionName<C>>);
    if (expiresAt === undefined) return;
    const left = expiresAt - Date.now();
    const ahead = session.renewAheadMs ?? Math.min(60_000, left / 4);
    this.#renewTimer = timers.setTimeout(() => void this.#renew().catch(() => undefined), Math.max(0, left - ahead));
  }

  /** Renews the session on the open connection (a connection that opens signs in anyway). */
  #renew(): Promise<void> {
    const session = this.#session;
    if (session === undefined || this.#phase !== 'open') return Promise.resolve();
    this.#renewing ??= this.#signIn((input) => (this.call as (a: string, i: unknown) => Promise<unknown>)(session.action, input))
      .catch((e) => this.#report(asError(e, 'renewing the session', session.action)))
      .finally(() => (this.#renewing = undefined));
    return this.#renewing;
  }

  #replay(entry: RestoreEntry): Promise<unknown> {
    return this.#send(entry.action, entry.input, { key: entry.key, now: true });
  }

  /** Why nothing more may wait for the connection, if the queue is full. */
  #full(): string | undefined {
    const max = this.#options.maxQueued ?? DEFAULT_MAX_QUEUED;
    return this.#queue.length < max ? undefined : `${max} calls already wait for the connection`;
  }

  /** Sends `call` now, or queues it until the connection is open. */
  #transmit(call: PendingCall, now = this.#phase === 'open'): void {
    if (!now) return void this.#queue.push({ call });
    call.sent = true;
    this.#socket?.send(call.frame);
  }

  #settle(call: PendingCall): void {
    this.#pending.delete(call.id);
    timers.clearTimeout(call.timer);
  }

  #receive(data: unknown): void {
    let frame: unknown;
    try {
      // A binary frame is UTF-8 text too; anything else (a Blob) makes `decode` throw.
      const Decoder = (globalThis as unknown as { TextDecoder: new () => { decode(input: unknown): string } }).TextDecoder;
      frame = JSON.parse(typeof data === 'string' ? data : new Decoder().decode(data));
    } catch {
      // Reported below.
    }
    if (!isRecord(frame)) {
      this.#report(new ChannelCallError('invalid_json', 'received a frame that is not a JSON object', { frame: data }));
      return;
    }
    const id = frame['id'];
    if (typeof id === 'number' || typeof id === 'string') {
      this.#reply(frame, id);
    } else if (typeof frame['topic'] === 'string') {
      const topic = frame['topic'];
      emit(this.#topicHandlers.get(topic), (handler) => handler(frame as Publication));
    } else if (frame['event'] === 'connect') {
      emit(this.#connectHandlers, (handler) => handler(frame['data'] as C['connect']));
    } else {
      const action = this.#meta.routingKeys.map((key) => frame[key]).find((value) => typeof value === 'string') as string | undefined;
      if ('error' in frame) this.#report(toError(frame['error'], action));
      else if (action !== undefined) emit(this.#pushHandlers.get(action), (handler) => handler(frame['data']));
    }
  }

  #reply(frame: Record<string, unknown>, id: number | string): void {
    const call = this.#pending.get(typeof id === 'number' ? id : Number(id));
    // A reply to a call that timed out (or to a frame of another client library) is dropped.
    if (call === undefined) return;
    if ('progress' in frame) {
      emit(call.onProgress && [call.onProgress], (handler) => handler(frame['progress']));
      return;
    }
    const error = 'error' in frame ? toError(frame['error'], call.action) : undefined;
    if (error?.code === 'session_expired' && this.#session !== undefined && !call.retried && call.action !== this.#session.action) {
      // Renewed, then sent once more; the call's timeout keeps running.
      call.retried = true;
      call.sent = false;
      void this.#renew().then(() => this.#pending.get(call.id) === call && this.#transmit(call));
      return;
    }
    this.#settle(call);
    if (error !== undefined) {
      call.reject(error);
      return;
    }
    if (call.restoreKey !== undefined) this.#restores.set(call.restoreKey, { action: call.action, input: call.input });
    call.resolve(frame['data']);
  }

  #lost(code: number, reason: string): void {
    this.#socket = undefined;
    timers.clearTimeout(this.#renewTimer);
    if (this.#phase === 'closed') return;
    this.#phase = 'connecting';
    for (const call of [...this.#pending.values()]) {
      if (!call.sent) continue;
      if (call.resend) {
        call.sent = false;
        this.#queue.push({ call });
        continue;
      }
      this.#settle(call);
      call.reject(new ChannelCallError('disconnected', `the connection dropped (code ${code}) before ${call.action} was answered`, { code, reason }, call.action));
    }
    const reconnect = this.#options.reconnect;
    if (reconnect === false || !(this.#options.shouldReconnect ?? defaultShouldReconnect)(code, reason)) {
      this.#phase = 'closed';
      this.#failAll(new ChannelCallError('closed', `the connection closed (code ${code}${reason ? `: ${reason}` : ''}) and the client does not reconnect`, { code, reason }));
      this.#setState({ state: 'closed', attempt: this.#attempt, closeCode: code, closeReason: reason });
      return;
    }
    const delayMs = backoffDelay(this.#attempt, reconnect);
    this.#attempt += 1;
    this.#reconnectTimer = timers.setTimeout(() => {
      if (this.#phase !== 'closed') this.#open(false);
    }, delayMs);
    this.#setState({
      state: this.#everOpened ? 'reconnecting' : 'connecting',
      attempt: this.#attempt,
      delayMs,
      closeCode: code,
      closeReason: reason,
    });
  }

  #failAll(error: ChannelCallError): void {
    for (const call of [...this.#pending.values()]) {
      this.#settle(call);
      call.reject(new ChannelCallError(error.code, error.message, error.details, call.action));
    }
    this.#queue = [];
  }

  #report(error: ChannelCallError): void {
    emit(this.#errorHandlers, (handler) => handler(error));
  }

  #setState(change: StateChange): void {
    this.#state = change.state;
    emit(this.#stateHandlers, (handler) => handler(change.state, change));
    if (change.state === 'open' || change.state === 'closed') {
      const waiters = this.#openWaiters;
      this.#openWaiters = [];
      for (const waiter of waiters) {
        if (change.state === 'open') waiter.resolve();
        else waiter.reject(new ChannelCallError('closed', 'the client closed before it was open'));
      }
    }
  }
}

/** Adds `handler` to `set`; returns a function that removes it. */
function listen<H>(set: Set<H>, handler: H): () => void {
  set.add(handler);
  return () => void set.delete(handler);
}

/** The set of `name` in `sets`, added when missing. */
function setOf<H>(sets: Map<string, Set<H>>, name: string): Set<H> {
  let set = sets.get(name);
  if (set === undefined) sets.set(name, (set = new Set()));
  return set;
}

function subscribe<H>(handlers: Map<string, Set<H>>, name: string, handler: H): () => void {
  return listen(setOf(handlers, name), handler);
}

// A throwing handler is the application's bug: it is rethrown on its own (so it shows up as an
// uncaught error) without stopping the other handlers or the client's frame processing.
function emit<H>(handlers: Iterable<H> | undefined, call: (handler: H) => void): void {
  if (handlers === undefined) return;
  for (const handler of [...handlers]) {
    try {
      call(handler);
    } catch (e) {
      timers.setTimeout(() => {
        throw e;
      }, 0);
    }
  }
}

/** `e` as a `ChannelCallError` whose message says what the client was `doing`. */
function asError(e: unknown, doing: string, action: string): ChannelCallError {
  const error = e instanceof ChannelCallError ? e : new ChannelCallError('internal', String(e));
  return new ChannelCallError(error.code, `${doing} failed: ${error.message}`, error.details, action);
}

function toError(value: unknown, action: string | undefined): ChannelCallError {
  if (isRecord(value) && typeof value['code'] === 'string') {
    const message = typeof value['message'] === 'string' ? value['message'] : value['code'];
    return new ChannelCallError(value['code'], message, value['details'], action);
  }
  return new ChannelCallError('internal', 'the server sent an error without a code', value, action);
}

/** Connects to the channel described by `meta` at the server `url` (e.g. `ws://127.0.0.1:3000`). */
export function connectChannel<C extends ChannelSpec>(
  meta: ChannelMeta,
  url: string,
  openingData: C['openingData'],
  options?: ClientOptions<C>,
): ChannelClient<C> {
  return new ChannelClient<C>(meta, url, openingData, options);
}
