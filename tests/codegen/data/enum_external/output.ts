// ---- types ----

/** A shape. */
export type Shape =
  /** Nothing at all. */
  | 'Empty'
  /** A circle by its radius. */
  | { Circle: number }
  | { Point: [number, number] }
  | { Rect: { w: number; h: number } }
  | { tri: { base: number } };

// ---- channels ----

/** The `enum_external` channel at `/external`: the types of its opening data, first frame and actions. */
export interface EnumExternalChannel extends ChannelSpec {
  name: 'enum_external';
  route: '/external';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    draw: { key: 'action'; input: Shape; output: Shape; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `enum_external` channel. */
export const enumExternalChannel: ChannelMeta = {
  name: 'enum_external',
  route: '/external',
  params: [],
  routingKeys: ['action'],
  actions: {
    draw: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `enum_external` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/external` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectEnumExternal(
  url: string,
  openingData: EnumExternalChannel['openingData'],
  options?: ClientOptions<EnumExternalChannel>,
): ChannelClient<EnumExternalChannel> {
  return connectChannel<EnumExternalChannel>(enumExternalChannel, url, openingData, options);
}
