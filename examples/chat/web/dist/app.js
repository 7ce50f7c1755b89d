// Built from examples/chat/web/app.ts and chat-client.ts by `npm run build` (esbuild). Do not edit.
"use strict";
(() => {
  // chat-client.ts
  var WIRECHAN_PROTOCOL = "wirechan.v1";
  var ChannelCallError = class extends Error {
    constructor(code, message, details, action) {
      super(message);
      this.name = "ChannelCallError";
      this.code = code;
      this.details = details;
      this.action = action;
    }
  };
  function topicName(pattern, params) {
    const values = isRecord(params) ? params : {};
    return pattern.split(":").map((segment) => {
      if (!segment.startsWith("{") || !segment.endsWith("}")) return segment;
      const name = segment.slice(1, -1);
      const value = values[name];
      if (value === void 0 || value === null) throw new TypeError(`topic ${pattern} needs the parameter \`${name}\``);
      return String(value).replace(/[%:]/g, encodeURIComponent);
    }).join(":");
  }
  var timers = globalThis;
  var DEFAULT_CALL_TIMEOUT_MS = 1e4;
  var DEFAULT_MAX_QUEUED = 100;
  var DEFAULT_RECONNECT = { initialDelayMs: 250, maxDelayMs: 1e4, jitter: 0.3 };
  function backoffDelay(attempt, options = {}, random = Math.random) {
    const initial = Math.max(0, options.initialDelayMs ?? DEFAULT_RECONNECT.initialDelayMs);
    const max = Math.max(initial, options.maxDelayMs ?? DEFAULT_RECONNECT.maxDelayMs);
    const jitter = Math.min(1, Math.max(0, options.jitter ?? DEFAULT_RECONNECT.jitter));
    const base = Math.min(max, initial * 2 ** Math.max(0, attempt));
    return Math.round(base * (1 - jitter * Math.min(1, Math.max(0, random()))));
  }
  function defaultShouldReconnect(code) {
    return !(code === 1e3 || code === 1008 || code >= 4e3 && code <= 4999);
  }
  function isRecord(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
  }
  function queryValue(name, value) {
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
    throw new TypeError(`opening data \`${name}\` must be a string, number or boolean to go in the URL`);
  }
  function channelUrl(meta, base, openingData) {
    if (openingData != null && !isRecord(openingData)) throw new TypeError("opening data must be an object");
    const data = openingData ?? {};
    const root = base.replace(/^http(s?):\/\//i, "ws$1://").replace(/\/+$/, "");
    const params = new Set(meta.params);
    const path = meta.route.split("/").map((segment) => {
      if (!segment.startsWith(":")) return segment;
      const name = segment.slice(1);
      const value = data[name];
      if (value === void 0 || value === null) {
        throw new TypeError(`opening data is missing \`${name}\`, a parameter of route ${meta.route}`);
      }
      return encodeURIComponent(queryValue(name, value));
    }).join("/");
    const query = [];
    for (const name of Object.keys(data)) {
      const value = data[name];
      if (params.has(name) || value == null) continue;
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) query.push(`${encodeURIComponent(name)}=${encodeURIComponent(queryValue(name, v))}`);
    }
    return root + path + (query.length > 0 ? `?${query.join("&")}` : "");
  }
  var SUBSCRIBE = "subscribe";
  var UNSUBSCRIBE = "unsubscribe";
  var LOST = ["timeout", "disconnected", "closed", "queue_full", "unavailable"];
  var ChannelClient = class {
    #meta;
    #url;
    #ctor;
    #options;
    #session;
    #socket;
    #phase = "connecting";
    #state = "connecting";
    #attempt = 0;
    #everOpened = false;
    #reconnectTimer;
    #renewTimer;
    #renewing;
    #lastId = 0;
    #pending = /* @__PURE__ */ new Map();
    #queue = [];
    #restores = /* @__PURE__ */ new Map();
    #pushHandlers = /* @__PURE__ */ new Map();
    #topicHandlers = /* @__PURE__ */ new Map();
    /** The live client subscriptions of each topic, by the function that subscribes each again. */
    #topicSubs = /* @__PURE__ */ new Map();
    #connectHandlers = /* @__PURE__ */ new Set();
    #stateHandlers = /* @__PURE__ */ new Set();
    #errorHandlers = /* @__PURE__ */ new Set();
    #openWaiters = [];
    /** Prefer `connectChannel` or the generated `connect<Channel>` function. */
    constructor(meta, url, openingData, options = {}) {
      const ctor = options.WebSocket ?? globalThis.WebSocket;
      if (ctor === void 0) {
        throw new TypeError("there is no global WebSocket: pass one as options.WebSocket (e.g. `WebSocket` from the ws package)");
      }
      this.#meta = meta;
      this.#url = channelUrl(meta, url, openingData);
      this.#ctor = ctor;
      this.#options = options;
      this.#session = options.session;
      this.#open(true);
    }
    /** The URL the client connects to. */
    get url() {
      return this.#url;
    }
    /** The current connection state. */
    get state() {
      return this.#state;
    }
    /** How many calls and notifications wait for the connection. */
    get queued() {
      return this.#queue.length;
    }
    /**
     * Calls `action` and resolves with its output. Rejects with a `ChannelCallError`: the server's
     * error, or `timeout`, `disconnected` (the connection dropped while the call was in flight; it
     * may or may not have run), `queue_full`, `closed`, `encode_error`.
     */
    call(action, ...args) {
      const [input, options] = args;
      return this.#send(action, input, options);
    }
    /**
     * Sends `action` without waiting for a result (a frame without id). Only an error answers,
     * reported to `onError` handlers. Throws `queue_full` or `closed` when it cannot be queued.
     */
    notify(action, ...args) {
      const [input] = args;
      if (this.#phase === "closed") throw new ChannelCallError("closed", "the client is closed", void 0, action);
      const frame = this.#frame(action, input, void 0);
      const full = this.#full();
      if (this.#phase === "open" && this.#socket !== void 0) {
        this.#socket.send(frame);
      } else if (full) {
        throw new ChannelCallError("queue_full", full, void 0, action);
      } else {
        this.#queue.push({ frame });
      }
    }
    /** Removes a `restore` entry (by its key: the action name for `restore: true`). */
    forget(key) {
      return this.#restores.delete(key);
    }
    /** The keys of the calls replayed after a reconnect, in replay order. */
    get restoring() {
      return [...this.#restores.keys()];
    }
    /** Receives pushes of `action` (what it sends outside a call with an id, e.g. for a notification), typed. */
    on(action, handler) {
      return subscribe(this.#pushHandlers, action, handler);
    }
    /** Receives the `{"event":"connect"}` frame of every connection (each reconnect sends one). */
    onConnect(handler) {
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
    topic(topic, params, options) {
      const meta = this.#meta.topics[topic];
      if (meta === void 0) throw new TypeError(`channel ${this.#meta.name} declares no topic \`${topic}\``);
      const name = topicName(meta.pattern, params);
      const own = /* @__PURE__ */ new Set();
      const gaps = /* @__PURE__ */ new Set();
      let pos = null;
      let held;
      let over = false;
      let socket;
      let sent = 0;
      const deliver = (frame) => "data" in frame && emit(own, (h) => h(frame.data));
      const take = (frame) => {
        const { epoch, offset, missed } = frame;
        if (!meta.subscribe) return void deliver(frame);
        if (held === void 0 && socket !== this.#socket) held = [];
        if (held !== void 0) {
          if (held.length < 1e3) held.push(frame);
          else over = true;
        } else if (!missed && (offset === void 0 || pos === null || epoch === pos.epoch && offset === pos.offset + 1)) {
          if (offset !== void 0) pos = { epoch, offset };
          deliver(frame);
        } else if (epoch !== pos?.epoch || offset > pos.offset) {
          again();
        }
      };
      const track = (subscribed) => {
        const mine = ++sent;
        held ??= [];
        over = false;
        const answered = (answer) => {
          if (mine !== sent) return;
          if (answer?.code === "unavailable") return void timers.setTimeout(() => mine === sent && again(), 1e3);
          const start = answer ?? {};
          if (start.offset !== void 0) {
            const to = { epoch: start.epoch, offset: start.offset };
            if (start.recovered === false) emit(gaps, (h) => h({ from: pos, to }));
            if (start.recovered === false || pos === null) pos = to;
          }
          const frames = held ?? [];
          held = void 0;
          socket = this.#socket;
          for (const frame of frames.sort((a, b) => a.offset - b.offset || +!!a.missed - +!!b.missed)) take(frame);
          if (over) again();
        };
        subscribed.then(answered, answered);
        return subscribed;
      };
      const input = () => ({ ...params, since: pos ?? void 0, recent: options?.recent });
      const again = () => track(this.#topicCall(SUBSCRIBE, topic, input()));
      const stop = subscribe(this.#topicHandlers, name, take);
      const made = (ready2, leave2) => {
        ready2.catch(() => void 0);
        return {
          name,
          ready: ready2,
          get position() {
            return pos;
          },
          on: (handler) => listen(own, handler),
          onGap: (handler) => listen(gaps, handler),
          // Answers still to come no longer count.
          unsubscribe: () => (own.clear(), sent++, leave2())
        };
      };
      if (!meta.subscribe) return made(Promise.resolve(), () => Promise.resolve(stop()));
      const restoreKey = `${SUBSCRIBE} ${name}`;
      const all = setOf(this.#topicSubs, name);
      const restore = () => track(this.#replay({ action: topic, input: input(), key: SUBSCRIBE }));
      all.add(restore);
      this.#restores.set(restoreKey, { action: topic, input: params, key: SUBSCRIBE, run: () => Promise.all([...all].map((f) => f())) });
      const release = () => all.delete(restore) && all.size === 0 && this.#topicSubs.delete(name) && this.#restores.delete(restoreKey);
      const ready = again().catch((error) => {
        if (!LOST.includes(error.code)) release();
        throw error;
      });
      const leave = () => {
        stop();
        if (!release()) return Promise.resolve();
        return ready.then(
          () => this.#phase === "open" && this.#topicCall(UNSUBSCRIBE, topic, params),
          () => void 0
        );
      };
      return made(ready, leave);
    }
    /**
     * Receives publications to a topic named by a string, untyped (a topic no channel declares): each
     * as it comes, with no regard for positions (a topic with history may send some again).
     */
    onTopic(topic, handler) {
      return subscribe(this.#topicHandlers, topic, (frame) => "data" in frame && handler(frame.data, topic));
    }
    /** Receives every state change, and each new reconnect attempt. */
    onState(handler) {
      return listen(this.#stateHandlers, handler);
    }
    /** Receives errors not tied to a call: failed notifications, failed replays of `restore` calls, bad frames. */
    onError(handler) {
      return listen(this.#errorHandlers, handler);
    }
    /** Resolves when the client is (next) open and restored; rejects if it closes first. */
    opened() {
      if (this.#state === "open") return Promise.resolve();
      if (this.#state === "closed") return Promise.reject(new ChannelCallError("closed", "the client is closed"));
      return new Promise((resolve, reject) => this.#openWaiters.push({ resolve, reject }));
    }
    /** Closes the connection and stops reconnecting; waiting calls fail with `closed`. */
    close(code = 1e3, reason = "") {
      if (this.#phase === "closed") return;
      this.#phase = "closed";
      timers.clearTimeout(this.#reconnectTimer);
      timers.clearTimeout(this.#renewTimer);
      const socket = this.#socket;
      this.#socket = void 0;
      if (socket !== void 0) {
        try {
          socket.close(code, reason);
        } catch {
        }
      }
      this.#failAll(new ChannelCallError("closed", "the client is closed"));
      this.#setState({ state: "closed", attempt: this.#attempt });
    }
    /**
     * Sends a call, or queues it while the connection is not open (unless `now`: a replay while
     * restoring), and resolves with its reply's `data`.
     */
    #send(action, input, options = {}) {
      return new Promise((resolve, reject) => {
        const fail = (code, message, details) => reject(new ChannelCallError(code, message, details, action));
        if (this.#phase === "closed") return fail("closed", "the client is closed");
        const id = this.#lastId += 1;
        let frame;
        try {
          frame = this.#frame(action, input, id, options.key);
        } catch (e) {
          return fail("encode_error", `could not encode the input of ${action}: ${String(e)}`);
        }
        const now = options.now || this.#phase === "open";
        const full = !now && !options.resend && this.#full();
        if (full) return fail("queue_full", full);
        const restore = options.restore;
        const call = {
          id,
          action,
          frame,
          input,
          restoreKey: restore ? restore === true ? action : restore.key : void 0,
          resend: options.resend,
          resolve,
          reject,
          onProgress: options.onProgress
        };
        const timeoutMs = options.timeoutMs ?? this.#options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
        call.timer = timers.setTimeout(() => {
          if (this.#pending.get(id) !== call) return;
          this.#pending.delete(id);
          if (!call.sent) this.#queue = this.#queue.filter((item) => !("call" in item) || item.call !== call);
          fail("timeout", `${action} got no reply within ${timeoutMs} ms`, { timeoutMs });
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
    #topicCall(key, topic, params) {
      return this.#send(topic, params, { key, resend: true }).catch((error) => {
        this.#report(error);
        throw error;
      });
    }
    #frame(action, input, id, routingKey) {
      const key = routingKey ?? this.#meta.actions[action]?.key ?? this.#meta.routingKeys[0] ?? "action";
      const frame = { [key]: action };
      if (id !== void 0) frame["id"] = id;
      if (input !== void 0) frame["data"] = input;
      return JSON.stringify(frame);
    }
    #open(first) {
      let socket;
      try {
        socket = new this.#ctor(this.#url, [WIRECHAN_PROTOCOL]);
      } catch (e) {
        if (first) throw e;
        this.#lost(1006, `could not open a WebSocket: ${String(e)}`);
        return;
      }
      this.#socket = socket;
      try {
        socket.binaryType = "arraybuffer";
      } catch {
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
      };
    }
    async #restore(socket) {
      this.#phase = "restoring";
      this.#attempt = 0;
      if (this.#session !== void 0) {
        try {
          await this.#signIn((input) => this.#replay({ action: this.#session.action, input }));
        } catch (e) {
          if (this.#socket !== socket) return;
          this.#report(asError(e, "signing in", this.#session.action));
        }
      }
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
      this.#phase = "open";
      this.#everOpened = true;
      const queue = this.#queue;
      this.#queue = [];
      for (const item of queue) {
        if ("call" in item) this.#transmit(item.call);
        else socket.send(item.frame);
      }
      this.#setState({ state: "open", attempt: 0 });
    }
    /** Signs in with a fresh input through `send`, then schedules the renewal. */
    async #signIn(send2) {
      const session = this.#session;
      timers.clearTimeout(this.#renewTimer);
      const output = await send2(await session.input());
      const expiresAt = session.expiresAt?.(output);
      if (expiresAt === void 0) return;
      const left = expiresAt - Date.now();
      const ahead = session.renewAheadMs ?? Math.min(6e4, left / 4);
      this.#renewTimer = timers.setTimeout(() => void this.#renew().catch(() => void 0), Math.max(0, left - ahead));
    }
    /** Renews the session on the open connection (a connection that opens signs in anyway). */
    #renew() {
      const session = this.#session;
      if (session === void 0 || this.#phase !== "open") return Promise.resolve();
      this.#renewing ??= this.#signIn((input) => this.call(session.action, input)).catch((e) => this.#report(asError(e, "renewing the session", session.action))).finally(() => this.#renewing = void 0);
      return this.#renewing;
    }
    #replay(entry) {
      return this.#send(entry.action, entry.input, { key: entry.key, now: true });
    }
    /** Why nothing more may wait for the connection, if the queue is full. */
    #full() {
      const max = this.#options.maxQueued ?? DEFAULT_MAX_QUEUED;
      return this.#queue.length < max ? void 0 : `${max} calls already wait for the connection`;
    }
    /** Sends `call` now, or queues it until the connection is open. */
    #transmit(call, now = this.#phase === "open") {
      if (!now) return void this.#queue.push({ call });
      call.sent = true;
      this.#socket?.send(call.frame);
    }
    #settle(call) {
      this.#pending.delete(call.id);
      timers.clearTimeout(call.timer);
    }
    #receive(data) {
      let frame;
      try {
        const Decoder = globalThis.TextDecoder;
        frame = JSON.parse(typeof data === "string" ? data : new Decoder().decode(data));
      } catch {
      }
      if (!isRecord(frame)) {
        this.#report(new ChannelCallError("invalid_json", "received a frame that is not a JSON object", { frame: data }));
        return;
      }
      const id = frame["id"];
      if (typeof id === "number" || typeof id === "string") {
        this.#reply(frame, id);
      } else if (typeof frame["topic"] === "string") {
        const topic = frame["topic"];
        emit(this.#topicHandlers.get(topic), (handler) => handler(frame));
      } else if (frame["event"] === "connect") {
        emit(this.#connectHandlers, (handler) => handler(frame["data"]));
      } else {
        const action = this.#meta.routingKeys.map((key) => frame[key]).find((value) => typeof value === "string");
        if ("error" in frame) this.#report(toError(frame["error"], action));
        else if (action !== void 0) emit(this.#pushHandlers.get(action), (handler) => handler(frame["data"]));
      }
    }
    #reply(frame, id) {
      const call = this.#pending.get(typeof id === "number" ? id : Number(id));
      if (call === void 0) return;
      if ("progress" in frame) {
        emit(call.onProgress && [call.onProgress], (handler) => handler(frame["progress"]));
        return;
      }
      const error = "error" in frame ? toError(frame["error"], call.action) : void 0;
      if (error?.code === "session_expired" && this.#session !== void 0 && !call.retried && call.action !== this.#session.action) {
        call.retried = true;
        call.sent = false;
        void this.#renew().then(() => this.#pending.get(call.id) === call && this.#transmit(call));
        return;
      }
      this.#settle(call);
      if (error !== void 0) {
        call.reject(error);
        return;
      }
      if (call.restoreKey !== void 0) this.#restores.set(call.restoreKey, { action: call.action, input: call.input });
      call.resolve(frame["data"]);
    }
    #lost(code, reason) {
      this.#socket = void 0;
      timers.clearTimeout(this.#renewTimer);
      if (this.#phase === "closed") return;
      this.#phase = "connecting";
      for (const call of [...this.#pending.values()]) {
        if (!call.sent) continue;
        if (call.resend) {
          call.sent = false;
          this.#queue.push({ call });
          continue;
        }
        this.#settle(call);
        call.reject(new ChannelCallError("disconnected", `the connection dropped (code ${code}) before ${call.action} was answered`, { code, reason }, call.action));
      }
      const reconnect = this.#options.reconnect;
      if (reconnect === false || !(this.#options.shouldReconnect ?? defaultShouldReconnect)(code, reason)) {
        this.#phase = "closed";
        this.#failAll(new ChannelCallError("closed", `the connection closed (code ${code}${reason ? `: ${reason}` : ""}) and the client does not reconnect`, { code, reason }));
        this.#setState({ state: "closed", attempt: this.#attempt, closeCode: code, closeReason: reason });
        return;
      }
      const delayMs = backoffDelay(this.#attempt, reconnect);
      this.#attempt += 1;
      this.#reconnectTimer = timers.setTimeout(() => {
        if (this.#phase !== "closed") this.#open(false);
      }, delayMs);
      this.#setState({
        state: this.#everOpened ? "reconnecting" : "connecting",
        attempt: this.#attempt,
        delayMs,
        closeCode: code,
        closeReason: reason
      });
    }
    #failAll(error) {
      for (const call of [...this.#pending.values()]) {
        this.#settle(call);
        call.reject(new ChannelCallError(error.code, error.message, error.details, call.action));
      }
      this.#queue = [];
    }
    #report(error) {
      emit(this.#errorHandlers, (handler) => handler(error));
    }
    #setState(change) {
      this.#state = change.state;
      emit(this.#stateHandlers, (handler) => handler(change.state, change));
      if (change.state === "open" || change.state === "closed") {
        const waiters = this.#openWaiters;
        this.#openWaiters = [];
        for (const waiter of waiters) {
          if (change.state === "open") waiter.resolve();
          else waiter.reject(new ChannelCallError("closed", "the client closed before it was open"));
        }
      }
    }
  };
  function listen(set, handler) {
    set.add(handler);
    return () => void set.delete(handler);
  }
  function setOf(sets, name) {
    let set = sets.get(name);
    if (set === void 0) sets.set(name, set = /* @__PURE__ */ new Set());
    return set;
  }
  function subscribe(handlers, name, handler) {
    return listen(setOf(handlers, name), handler);
  }
  function emit(handlers, call) {
    if (handlers === void 0) return;
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
  function asError(e, doing, action) {
    const error = e instanceof ChannelCallError ? e : new ChannelCallError("internal", String(e));
    return new ChannelCallError(error.code, `${doing} failed: ${error.message}`, error.details, action);
  }
  function toError(value, action) {
    if (isRecord(value) && typeof value["code"] === "string") {
      const message = typeof value["message"] === "string" ? value["message"] : value["code"];
      return new ChannelCallError(value["code"], message, value["details"], action);
    }
    return new ChannelCallError("internal", "the server sent an error without a code", value, action);
  }
  function connectChannel(meta, url, openingData, options) {
    return new ChannelClient(meta, url, openingData, options);
  }
  var chatChannel = {
    name: "chat",
    route: "/chat",
    params: [],
    routingKeys: ["action", "subscribe", "unsubscribe"],
    actions: {
      authenticate: { key: "action" },
      sendMessage: { key: "action" }
    },
    topics: {
      room: { pattern: "room:{room}", subscribe: true }
    }
  };
  function connectChat(url, openingData, options) {
    return connectChannel(chatChannel, url, openingData, options);
  }

  // app.ts
  var RECENT = 50;
  function element(id) {
    const found = document.getElementById(id);
    if (found === null) throw new Error(`the page has no #${id}`);
    return found;
  }
  var joinForm = element("join");
  var roomInput = element("room");
  var tokenInput = element("token");
  var demoButton = element("demo-token");
  var joinError = element("join-error");
  var joinButton = element("join-button");
  var chat = element("chat");
  var roomTitle = element("room-title");
  var status = element("status");
  var statusText = element("status-text");
  var banner = element("banner");
  var messages = element("messages");
  var composer = element("composer");
  var messageInput = element("message");
  var me = element("me");
  var leaveButton = element("leave");
  var roomTabs = element("rooms");
  var enterForm = element("enter");
  var enterInput = element("enter-room");
  var client;
  var myName = "you";
  var rooms = /* @__PURE__ */ new Map();
  var active = "";
  var demoToken;
  async function fetchDemoToken() {
    const res = await fetch("/demo-token");
    const body = await res.json();
    if (typeof body.token !== "string") throw new Error("the server gave no demo token");
    demoToken = body.token;
    return body.token;
  }
  function tokenName(token) {
    const payload = token.split(".")[1];
    if (payload === void 0) return void 0;
    try {
      const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
      const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
      const claims = JSON.parse(new TextDecoder().decode(bytes));
      return typeof claims.name === "string" ? claims.name : void 0;
    } catch {
      return void 0;
    }
  }
  function time(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  function errorText(e) {
    if (e instanceof ChannelCallError) return `${e.message} (${e.code})`;
    return String(e);
  }
  function scrollDown() {
    messages.scrollTop = messages.scrollHeight;
  }
  function show(li, room = active) {
    const joined = rooms.get(room);
    joined?.items.push(li);
    if (room === active) {
      messages.append(li);
      scrollDown();
    } else if (joined !== void 0) {
      joined.unread++;
      renderTab(room, joined);
    }
  }
  function addSystem(text, bad = false, room = active) {
    const li = document.createElement("li");
    li.className = bad ? "system bad" : "system";
    li.textContent = text;
    show(li, room);
  }
  function addMessage(from, text, mine, timestamp, room = active) {
    const li = document.createElement("li");
    li.className = `msg ${mine ? "mine" : "theirs"}`;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = timestamp === void 0 ? `${from} · sending…` : `${from} · ${time(timestamp)}`;
    const body = document.createElement("span");
    body.className = "body";
    body.textContent = text;
    li.append(meta, body);
    show(li, room);
    return li;
  }
  function showEvent(room, event) {
    if ("message" in event) addMessage(event.from, event.message, event.from === myName, event.timestamp, room);
    else if ("joined" in event) addSystem(`${event.joined} entered the room.`, false, room);
    else addSystem(`${event.left} left the room.`, false, room);
  }
  function renderTab(room, joined) {
    joined.tab.textContent = `#${room}`;
    joined.tab.setAttribute("aria-current", String(room === active));
    if (joined.unread > 0 && room !== active) {
      const badge = document.createElement("span");
      badge.className = "unread";
      badge.textContent = String(joined.unread);
      joined.tab.append(badge);
    }
  }
  function switchTo(room) {
    const joined = rooms.get(room);
    if (joined === void 0) return;
    active = room;
    joined.unread = 0;
    messages.replaceChildren(...joined.items);
    for (const [name, other] of rooms) renderTab(name, other);
    roomTitle.textContent = `#${room}`;
    scrollDown();
    messageInput.focus();
  }
  function enterRoom(channel, room) {
    const existing = rooms.get(room);
    if (existing !== void 0) return existing;
    const subscription = channel.topic("room", { room }, { recent: RECENT });
    const tab = document.createElement("button");
    tab.type = "button";
    tab.className = "room-tab";
    tab.dataset["room"] = room;
    tab.addEventListener("click", () => switchTo(room));
    const joined = { subscription, items: [], tab, unread: 0 };
    rooms.set(room, joined);
    roomTabs.append(tab);
    renderTab(room, joined);
    subscription.on((event) => showEvent(room, event));
    subscription.onGap(() => addSystem("Some messages sent while you were away could not be recovered.", false, room));
    return joined;
  }
  function showState(state, change) {
    status.dataset["state"] = state;
    switch (state) {
      case "connecting":
        statusText.textContent = "Connecting…";
        break;
      case "open":
        statusText.textContent = "Online";
        banner.hidden = true;
        break;
      case "reconnecting": {
        const seconds = change?.delayMs === void 0 ? "" : ` in ${Math.max(1, Math.round(change.delayMs / 1e3))} s`;
        statusText.textContent = `Reconnecting… (attempt ${change?.attempt ?? 1})`;
        banner.textContent = `Connection lost. Reconnecting${seconds}… Messages you send now go out when it is back.`;
        banner.hidden = false;
        break;
      }
      case "closed":
        statusText.textContent = "Disconnected";
        break;
      default:
        statusText.textContent = "Not connected";
    }
  }
  function showJoin(error) {
    chat.hidden = true;
    roomTitle.hidden = true;
    joinForm.hidden = false;
    joinButton.disabled = false;
    joinError.hidden = error === void 0;
    joinError.textContent = error ?? "";
  }
  async function join(room, token) {
    joinButton.disabled = true;
    joinError.hidden = true;
    let current = token;
    myName = tokenName(token) ?? "you";
    const channel = connectChat(location.origin, { room }, {
      session: {
        action: "authenticate",
        // A pasted token is used as it is, until it expires; a demo token is renewed.
        input: async () => {
          if (current === demoToken) current = await fetchDemoToken();
          return { token: current };
        },
        expiresAt: (out) => out.expiresAt
      }
    });
    client = channel;
    let welcomed = false;
    channel.onState((state, change) => showState(state, change));
    channel.onConnect((data) => {
      addSystem(welcomed ? `Reconnected to #${room}.` : data.welcome);
      welcomed = true;
    });
    rooms.clear();
    roomTabs.replaceChildren();
    active = room;
    enterRoom(channel, room);
    const signedIn = new Promise((resolve, reject) => {
      const stop = channel.onError((e) => {
        if (e.action === "authenticate") reject(e);
      });
      channel.opened().then(resolve, reject).finally(stop);
    });
    channel.onError((e) => addSystem(errorText(e), true));
    try {
      await signedIn;
    } catch (e) {
      channel.close();
      client = void 0;
      showJoin(`Could not sign in: ${errorText(e)}`);
      return;
    }
    me.textContent = myName;
    switchTo(room);
    roomTitle.hidden = false;
    joinForm.hidden = true;
    chat.hidden = false;
    history.replaceState(null, "", `?room=${encodeURIComponent(room)}`);
    messageInput.focus();
  }
  async function send(text) {
    if (client === void 0) return;
    const li = addMessage(myName, text, true);
    li.classList.add("pending");
    const meta = li.querySelector(".meta");
    try {
      const sent = await client.call("sendMessage", { message: text, room: active }, { timeoutMs: 3e4 });
      li.classList.remove("pending");
      if (meta !== null) meta.textContent = `${myName} · ${time(sent.timestamp)}`;
    } catch (e) {
      li.classList.remove("pending");
      li.classList.add("failed");
      if (meta !== null) meta.textContent = `${myName} · not sent: ${errorText(e)}`;
    }
  }
  joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const room = roomInput.value.trim();
    const token = tokenInput.value.trim();
    if (room === "" || token === "") return;
    void join(room, token);
  });
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = messageInput.value.trim();
    if (text === "") return;
    messageInput.value = "";
    void send(text);
  });
  enterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const room = enterInput.value.trim();
    if (client === void 0 || room === "") return;
    enterInput.value = "";
    const previous = active;
    const known = rooms.has(room);
    const joined = enterRoom(client, room);
    switchTo(room);
    if (known) return;
    joined.subscription.ready.then(
      () => addSystem(`You entered #${room}.`, false, room),
      (e) => {
        rooms.delete(room);
        joined.tab.remove();
        switchTo(previous);
        addSystem(`Could not enter #${room}: ${errorText(e)}`, true);
      }
    );
  });
  leaveButton.addEventListener("click", () => {
    client?.close();
    client = void 0;
    rooms.clear();
    roomTabs.replaceChildren();
    messages.replaceChildren();
    showState("idle");
    showJoin();
  });
  demoButton.addEventListener("click", async () => {
    tokenInput.value = await fetchDemoToken();
  });
  fetch("/demo-token", { method: "HEAD" }).then((res) => {
    demoButton.hidden = !res.ok;
  }).catch(() => void 0);
  var fromQuery = new URLSearchParams(location.search).get("room");
  if (fromQuery !== null && fromQuery !== "") roomInput.value = fromQuery;
})();
