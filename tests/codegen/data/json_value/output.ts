// ---- types ----

export interface Envelope {
  payload: unknown;
  meta: unknown;
  list: unknown[];
}

// ---- channels ----

/** The `json_value` channel at `/value`: the types of its opening data, first frame and actions. */
export interface JsonValueChannel extends ChannelSpec {
  name: 'json_value';
  route: '/value';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    wrap: { key: 'action'; input: unknown; output: Envelope; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `json_value` channel. */
export const jsonValueChannel: ChannelMeta = {
  name: 'json_value',
  route: '/value',
  params: [],
  routingKeys: ['action'],
  actions: {
    wrap: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `json_value` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/value` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectJsonValue(
  url: string,
  openingData: JsonValueChannel['openingData'],
  options?: ClientOptions<JsonValueChannel>,
): ChannelClient<JsonValueChannel> {
  return connectChannel<JsonValueChannel>(jsonValueChannel, url, openingData, options);
}
