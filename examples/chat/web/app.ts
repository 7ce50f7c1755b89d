// The chat page: join a room, sign in with a token, chat, enter more rooms and switch between
// them. Everything on the wire goes through the generated client (chat-client.ts): typed calls,
// each room's typed events (`RoomEvent`) through a topic subscription that the client restores
// after every reconnect, a session kept signed in (again after each reconnect, and renewed with a
// fresh demo token before it expires), and messages written while offline queued until the
// connection is back. Rooms keep a history: entering one shows its recent messages, and after a
// reconnect the client delivers what was missed, or the page says that some could not be.
import {
  ChannelCallError,
  connectChat,
  type ChannelClient,
  type ChatChannel,
  type HistorySubscription,
  type RoomEvent,
  type StateChange,
} from './chat-client.ts';

/** How many of a room's last messages the page shows on entering it. */
const RECENT = 50;

/** A room the page is in: its subscription and what it showed. */
interface JoinedRoom {
  subscription: HistorySubscription<RoomEvent>;
  items: HTMLLIElement[];
  tab: HTMLButtonElement;
  unread: number;
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

const joinForm = element<HTMLFormElement>('join');
const roomInput = element<HTMLInputElement>('room');
const tokenInput = element<HTMLTextAreaElement>('token');
const demoButton = element<HTMLButtonElement>('demo-token');
const joinError = element<HTMLParagraphElement>('join-error');
const joinButton = element<HTMLButtonElement>('join-button');
const chat = element<HTMLElement>('chat');
const roomTitle = element<HTMLElement>('room-title');
const status = element<HTMLElement>('status');
const statusText = element<HTMLElement>('status-text');
const banner = element<HTMLElement>('banner');
const messages = element<HTMLOListElement>('messages');
const composer = element<HTMLFormElement>('composer');
const messageInput = element<HTMLInputElement>('message');
const me = element<HTMLElement>('me');
const leaveButton = element<HTMLButtonElement>('leave');
const roomTabs = element<HTMLElement>('rooms');
const enterForm = element<HTMLFormElement>('enter');
const enterInput = element<HTMLInputElement>('enter-room');

let client: ChannelClient<ChatChannel> | undefined;
let myName = 'you';
const rooms = new Map<string, JoinedRoom>();
/** The room shown, where messages go. */
let active = '';
/** The last token `/demo-token` gave: while it is the one in use, renewals fetch a fresh one. */
let demoToken: string | undefined;

async function fetchDemoToken(): Promise<string> {
  const res = await fetch('/demo-token');
  const body = (await res.json()) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error('the server gave no demo token');
  demoToken = body.token;
  return body.token;
}


/** The `name` claim of a JWT, for showing who is signed in (the server checks the signature). */
function tokenName(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { name?: unknown };
    return typeof claims.name === 'string' ? claims.name : undefined;
  } catch {
    return undefined;
  }
}

function time(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function errorText(e: unknown): string {
  if (e instanceof ChannelCallError) return `${e.message} (${e.code})`;
  return String(e);
}

function scrollDown(): void {
  messages.scrollTop = messages.scrollHeight;
}

/** Adds `li` to `room`'s list (the active room's by default), shown at once if that room is shown. */
function show(li: HTMLLIElement, room = active): void {
  const joined = rooms.get(room);
  joined?.items.push(li);
  if (room === active) {
    messages.append(li);
    scrollDown();
  } else if (joined !== undefined) {
    joined.unread++;
    renderTab(room, joined);
  }
}

function addSystem(text: string, bad = false, room = active): void {
  const li = document.createElement('li');
  li.className = bad ? 'system bad' : 'system';
  li.textContent = text;
  show(li, room);
}

function addMessage(from: string, text: string, mine: boolean, timestamp?: number, room = active): HTMLLIElement {
  const li = document.createElement('li');
  li.className = `msg ${mine ? 'mine' : 'theirs'}`;
  const meta = document.createElement('span');
  meta.className = 'meta';
  meta.textContent = timestamp === undefined ? `${from} · sending…` : `${from} · ${time(timestamp)}`;
  const body = document.createElement('span');
  body.className = 'body';
  body.textContent = text;
  li.append(meta, body);
  show(li, room);
  return li;
}

/** Shows one event of `room`, typed: a message, an arrival or a departure. */
function showEvent(room: string, event: RoomEvent): void {
  // The page's own messages come back only with the recent ones of a room it enters.
  if ('message' in event) addMessage(event.from, event.message, event.from === myName, event.timestamp, room);
  else if ('joined' in event) addSystem(`${event.joined} entered the room.`, false, room);
  else addSystem(`${event.left} left the room.`, false, room);
}

function renderTab(room: string, joined: JoinedRoom): void {
  joined.tab.textContent = `#${room}`;
  joined.tab.setAttribute('aria-current', String(room === active));
  if (joined.unread > 0 && room !== active) {
    const badge = document.createElement('span');
    badge.className = 'unread';
    badge.textContent = String(joined.unread);
    joined.tab.append(badge);
  }
}

function switchTo(room: string): void {
  const joined = rooms.get(room);
  if (joined === undefined) return;
  active = room;
  joined.unread = 0;
  messages.replaceChildren(...joined.items);
  for (const [name, other] of rooms) renderTab(name, other);
  roomTitle.textContent = `#${room}`;
  scrollDown();
  messageInput.focus();
}

/**
 * Enters `room`: subscribes to its topic (restored after reconnects, from where it was) with its
 * recent messages, and shows it as a tab.
 */
function enterRoom(channel: ChannelClient<ChatChannel>, room: string): JoinedRoom {
  const existing = rooms.get(room);
  if (existing !== undefined) return existing;
  const subscription = channel.topic('room', { room }, { recent: RECENT });
  const tab = document.createElement('button');
  tab.type = 'button';
  tab.className = 'room-tab';
  tab.dataset['room'] = room;
  tab.addEventListener('click', () => switchTo(room));
  const joined: JoinedRoom = { subscription, items: [], tab, unread: 0 };
  rooms.set(room, joined);
  roomTabs.append(tab);
  renderTab(room, joined);
  subscription.on((event) => showEvent(room, event));
  // Messages the server no longer had (it restarted, or they were too old or too many): say so;
  // the room's recent ones follow.
  subscription.onGap(() => addSystem('Some messages sent while you were away could not be recovered.', false, room));
  return joined;
}

function showState(state: string, change?: StateChange): void {
  status.dataset['state'] = state;
  switch (state) {
    case 'connecting':
      statusText.textContent = 'Connecting…';
      break;
    case 'open':
      statusText.textContent = 'Online';
      banner.hidden = true;
      break;
    case 'reconnecting': {
      const seconds = change?.delayMs === undefined ? '' : ` in ${Math.max(1, Math.round(change.delayMs / 1000))} s`;
      statusText.textContent = `Reconnecting… (attempt ${change?.attempt ?? 1})`;
      banner.textContent = `Connection lost. Reconnecting${seconds}… Messages you send now go out when it is back.`;
      banner.hidden = false;
      break;
    }
    case 'closed':
      statusText.textContent = 'Disconnected';
      break;
    default:
      statusText.textContent = 'Not connected';
  }
}

function showJoin(error?: string): void {
  chat.hidden = true;
  roomTitle.hidden = true;
  joinForm.hidden = false;
  joinButton.disabled = false;
  joinError.hidden = error === undefined;
  joinError.textContent = error ?? '';
}

async function join(room: string, token: string): Promise<void> {
  joinButton.disabled = true;
  joinError.hidden = true;
  let current = token;
  myName = tokenName(token) ?? 'you';
  const channel = connectChat(location.origin, { room }, {
    session: {
      action: 'authenticate',
      // A pasted token is used as it is, until it expires; a demo token is renewed.
      input: async () => {
        if (current === demoToken) current = await fetchDemoToken();
        return { token: current };
      },
      expiresAt: (out) => out.expiresAt,
    },
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
  // The first sign-in happens as the connection opens; a failure is reported before it is open.
  const signedIn = new Promise<void>((resolve, reject) => {
    const stop = channel.onError((e) => {
      if (e.action === 'authenticate') reject(e);
    });
    channel.opened().then(resolve, reject).finally(stop);
  });
  channel.onError((e) => addSystem(errorText(e), true));
  try {
    await signedIn;
  } catch (e) {
    channel.close();
    client = undefined;
    showJoin(`Could not sign in: ${errorText(e)}`);
    return;
  }
  me.textContent = myName;
  switchTo(room);
  roomTitle.hidden = false;
  joinForm.hidden = true;
  chat.hidden = false;
  history.replaceState(null, '', `?room=${encodeURIComponent(room)}`);
  messageInput.focus();
}

async function send(text: string): Promise<void> {
  if (client === undefined) return;
  const li = addMessage(myName, text, true);
  li.classList.add('pending');
  const meta = li.querySelector('.meta');
  try {
    const sent = await client.call('sendMessage', { message: text, room: active }, { timeoutMs: 30_000 });
    li.classList.remove('pending');
    if (meta !== null) meta.textContent = `${myName} · ${time(sent.timestamp)}`;
  } catch (e) {
    li.classList.remove('pending');
    li.classList.add('failed');
    if (meta !== null) meta.textContent = `${myName} · not sent: ${errorText(e)}`;
  }
}

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const room = roomInput.value.trim();
  const token = tokenInput.value.trim();
  if (room === '' || token === '') return;
  void join(room, token);
});

composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = messageInput.value.trim();
  if (text === '') return;
  messageInput.value = '';
  void send(text);
});

enterForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const room = enterInput.value.trim();
  if (client === undefined || room === '') return;
  enterInput.value = '';
  const previous = active;
  const known = rooms.has(room);
  const joined = enterRoom(client, room);
  switchTo(room);
  if (known) return;
  joined.subscription.ready.then(
    () => addSystem(`You entered #${room}.`, false, room),
    (e: unknown) => {
      rooms.delete(room);
      joined.tab.remove();
      switchTo(previous);
      addSystem(`Could not enter #${room}: ${errorText(e)}`, true);
    },
  );
});

leaveButton.addEventListener('click', () => {
  client?.close();
  client = undefined;
  rooms.clear();
  roomTabs.replaceChildren();
  messages.replaceChildren();
  showState('idle');
  showJoin();
});

demoButton.addEventListener('click', async () => {
  tokenInput.value = await fetchDemoToken();
});

// The server offers a demo token only in development (the built-in secret); show the shortcut then.
fetch('/demo-token', { method: 'HEAD' })
  .then((res) => {
    demoButton.hidden = !res.ok;
  })
  .catch(() => undefined);

const fromQuery = new URLSearchParams(location.search).get('room');
if (fromQuery !== null && fromQuery !== '') roomInput.value = fromQuery;
