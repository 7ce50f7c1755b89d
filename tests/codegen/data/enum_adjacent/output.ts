// ---- types ----

/** `Block` as the server reads (the deserialize contract); `BlockOutput` is the other direction. */
export type BlockInput =
  | { t: 'Divider' }
  | { t: 'Heading'; c: string }
  | { t: 'Pair'; c: [number, number] }
  | { t: 'Image'; c: { url: string; alt?: string | null } };

/** `Block` as the server writes (the serialize contract); `BlockInput` is the other direction. */
export type BlockOutput =
  | { t: 'Divider' }
  | { t: 'Heading'; c: string }
  | { t: 'Pair'; c: [number, number] }
  | { t: 'Image'; c: { url: string; alt: string | null } };

// ---- channels ----

/** The `enum_adjacent` channel at `/adjacent`: the types of its opening data, first frame and actions. */
export interface EnumAdjacentChannel extends ChannelSpec {
  name: 'enum_adjacent';
  route: '/adjacent';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    render: { key: 'action'; input: BlockInput; output: BlockOutput; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `enum_adjacent` channel. */
export const enumAdjacentChannel: ChannelMeta = {
  name: 'enum_adjacent',
  route: '/adjacent',
  params: [],
  routingKeys: ['action'],
  actions: {
    render: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `enum_adjacent` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/adjacent` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectEnumAdjacent(
  url: string,
  openingData: EnumAdjacentChannel['openingData'],
  options?: ClientOptions<EnumAdjacentChannel>,
): ChannelClient<EnumAdjacentChannel> {
  return connectChannel<EnumAdjacentChannel>(enumAdjacentChannel, url, openingData, options);
}
