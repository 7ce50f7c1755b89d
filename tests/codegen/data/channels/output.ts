// ---- types ----

/** Where a lobby connection goes: `/lobby/:room?guest=true`. */
export interface Room {
  room: string;
  /** Optional: the server uses `false` when it is missing. */
  guest?: boolean;
}

export interface Welcome {
  room: string;
  members: number;
}

export interface Item {
  id: number;
}

// ---- channels ----

/**
 * The `lobby` channel at `/lobby/:room`: the types of its opening data, first frame and actions.
 *
 * Tags: `rooms`, `public`.
 *
 * Messages that match no action go to its `on_message` fallback (`other`), which this spec does not
 * type.
 */
export interface LobbyChannel extends ChannelSpec {
  name: 'lobby';
  route: '/lobby/:room';
  /** Opening data: the route's params (`room`) and the query string of the upgrade request. */
  openingData: Room;
  /** The first frame, what `join` returns. Greets the newcomer. */
  connect: Welcome;
  actions: {
    /**
     * Lists the room's items.
     *
     * Works without a session.
     */
    list: { key: 'action'; input: void; output: Item[]; progress: never };
    /**
     * Finds one item.
     *
     * Needs a session.
     */
    find: { key: 'action'; input: Item; output: Item | null; progress: never };
    /**
     * Says who you are.
     *
     * Works without a session.
     */
    whoami: { key: 'type'; input: void; output: string; progress: never };
    /**
     * Forgets everything.
     *
     * Needs a session.
     */
    reset: { key: 'type'; input: void; output: void; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `lobby` channel. */
export const lobbyChannel: ChannelMeta = {
  name: 'lobby',
  route: '/lobby/:room',
  params: ['room'],
  routingKeys: ['action', 'type'],
  actions: {
    list: { key: 'action' },
    find: { key: 'action' },
    whoami: { key: 'type' },
    reset: { key: 'type' },
  },
  topics: {},
};

/**
 * Connects to the `lobby` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/lobby/:room` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectLobby(
  url: string,
  openingData: LobbyChannel['openingData'],
  options?: ClientOptions<LobbyChannel>,
): ChannelClient<LobbyChannel> {
  return connectChannel<LobbyChannel>(lobbyChannel, url, openingData, options);
}

/** The `status-feed` channel at `/status`: the types of its opening data, first frame and actions. */
export interface StatusFeedChannel extends ChannelSpec {
  name: 'status-feed';
  route: '/status';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /**
     * Counts.
     *
     * Works without a session.
     *
     * Output: `uint64` (64-bit) as a JavaScript `number`: exact up to 2^53 - 1
     * (`Number.MAX_SAFE_INTEGER`); larger values lose precision.
     */
    tick: { key: 'op'; input: void; output: number; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `status-feed` channel. */
export const statusFeedChannel: ChannelMeta = {
  name: 'status-feed',
  route: '/status',
  params: [],
  routingKeys: ['op'],
  actions: {
    tick: { key: 'op' },
  },
  topics: {},
};

/**
 * Connects to the `status-feed` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/status` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectStatusFeed(
  url: string,
  openingData: StatusFeedChannel['openingData'],
  options?: ClientOptions<StatusFeedChannel>,
): ChannelClient<StatusFeedChannel> {
  return connectChannel<StatusFeedChannel>(statusFeedChannel, url, openingData, options);
}
