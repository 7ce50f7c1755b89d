// ---- types ----

export type Setting =
  | boolean
  | number
  | string
  | [number, string]
  | { x: number; y: number }
  | null;

// ---- channels ----

/** The `enum_untagged` channel at `/untagged`: the types of its opening data, first frame and actions. */
export interface EnumUntaggedChannel extends ChannelSpec {
  name: 'enum_untagged';
  route: '/untagged';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    set: { key: 'action'; input: Setting; output: Setting; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `enum_untagged` channel. */
export const enumUntaggedChannel: ChannelMeta = {
  name: 'enum_untagged',
  route: '/untagged',
  params: [],
  routingKeys: ['action'],
  actions: {
    set: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `enum_untagged` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/untagged` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectEnumUntagged(
  url: string,
  openingData: EnumUntaggedChannel['openingData'],
  options?: ClientOptions<EnumUntaggedChannel>,
): ChannelClient<EnumUntaggedChannel> {
  return connectChannel<EnumUntaggedChannel>(enumUntaggedChannel, url, openingData, options);
}
