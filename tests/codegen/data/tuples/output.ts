// ---- types ----

export interface Geo {
  point: [number, number];
  rgb: [number, number, number];
  labeled: [string, number, boolean];
  list: [string, number][];
  pair: Pair;
}

/** A tuple struct is an array. */
export type Pair = [number, string];

// ---- channels ----

/** The `tuples` channel at `/tuples`: the types of its opening data, first frame and actions. */
export interface TuplesChannel extends ChannelSpec {
  name: 'tuples';
  route: '/tuples';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    locate: { key: 'action'; input: Geo; output: Geo; progress: never };
    /** Works without a session. */
    swap: { key: 'action'; input: [number, string]; output: [string, number]; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `tuples` channel. */
export const tuplesChannel: ChannelMeta = {
  name: 'tuples',
  route: '/tuples',
  params: [],
  routingKeys: ['action'],
  actions: {
    locate: { key: 'action' },
    swap: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `tuples` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/tuples` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectTuples(
  url: string,
  openingData: TuplesChannel['openingData'],
  options?: ClientOptions<TuplesChannel>,
): ChannelClient<TuplesChannel> {
  return connectChannel<TuplesChannel>(tuplesChannel, url, openingData, options);
}
