// ---- types ----

/** The Rust schema's name is `Error`. */
export interface Error_ {
  code: string;
}

/** The Rust schema's name is `Map`. */
export interface Map_ {
  tiles: number[];
}

/** The Rust schema's name is `ChannelClient`. */
export interface ChannelClient_ {
  id: number;
}

/** `Wrapper` as the server reads (the deserialize contract); `WrapperOutput` is the other direction. */
export interface WrapperInput {
  value: string;
}

/** `Wrapper` as the server writes (the serialize contract); `WrapperInput` is the other direction. */
export interface WrapperOutput {
  value: number;
}

export interface Wrapper2 {
  value: string;
}

// ---- channels ----

/** The `collisions` channel at `/collisions`: the types of its opening data, first frame and actions. */
export interface CollisionsChannel extends ChannelSpec {
  name: 'collisions';
  route: '/collisions';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    fail: { key: 'action'; input: Error_; output: Map_; progress: never };
    /** Works without a session. */
    client: { key: 'action'; input: ChannelClient_; output: WrapperOutput; progress: never };
    /** Works without a session. */
    named: { key: 'action'; input: WrapperInput; output: Wrapper2; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `collisions` channel. */
export const collisionsChannel: ChannelMeta = {
  name: 'collisions',
  route: '/collisions',
  params: [],
  routingKeys: ['action'],
  actions: {
    fail: { key: 'action' },
    client: { key: 'action' },
    named: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `collisions` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/collisions` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectCollisions(
  url: string,
  openingData: CollisionsChannel['openingData'],
  options?: ClientOptions<CollisionsChannel>,
): ChannelClient<CollisionsChannel> {
  return connectChannel<CollisionsChannel>(collisionsChannel, url, openingData, options);
}
