// ---- types ----

export interface Maps {
  by_name: Record<string, number>;
  by_kind: { Cat?: string; Dog?: string };
  by_id: Record<`${number}`, boolean>;
  loose: Record<string, unknown>;
  nested: Record<string, Item[]>;
}

export interface Item {
  name: string;
}

// ---- channels ----

/** The `maps` channel at `/maps`: the types of its opening data, first frame and actions. */
export interface MapsChannel extends ChannelSpec {
  name: 'maps';
  route: '/maps';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    index: { key: 'action'; input: Maps; output: Maps; progress: never };
    /** Works without a session. */
    scores: { key: 'action'; input: Record<string, number>; output: Record<string, Item>; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `maps` channel. */
export const mapsChannel: ChannelMeta = {
  name: 'maps',
  route: '/maps',
  params: [],
  routingKeys: ['action'],
  actions: {
    index: { key: 'action' },
    scores: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `maps` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens `/maps`
 * with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectMaps(
  url: string,
  openingData: MapsChannel['openingData'],
  options?: ClientOptions<MapsChannel>,
): ChannelClient<MapsChannel> {
  return connectChannel<MapsChannel>(mapsChannel, url, openingData, options);
}
