// ---- types ----

/** `Message` as the server reads (the deserialize contract); `MessageOutput` is the other direction. */
export type MessageInput =
  | { type: 'Ping' }
  | { type: 'Text'; body: string }
  /** A payload's fields next to the tag. */
  | { type: 'Wrapped' } & PayloadInput;

/** `Message` as the server writes (the serialize contract); `MessageInput` is the other direction. */
export type MessageOutput =
  | { type: 'Ping' }
  | { type: 'Text'; body: string }
  /** A payload's fields next to the tag. */
  | { type: 'Wrapped' } & PayloadOutput;

/** `Payload` as the server reads (the deserialize contract); `PayloadOutput` is the other direction. */
export interface PayloadInput {
  id: number;
  /** Optional: the server uses `0` when it is missing. */
  priority?: number;
}

/** `Payload` as the server writes (the serialize contract); `PayloadInput` is the other direction. */
export interface PayloadOutput {
  id: number;
  priority: number;
}

export type Command = { kind: 'start_now'; at: number } | { kind: 'stop' };

// ---- channels ----

/** The `enum_internal` channel at `/internal`: the types of its opening data, first frame and actions. */
export interface EnumInternalChannel extends ChannelSpec {
  name: 'enum_internal';
  route: '/internal';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    send: { key: 'action'; input: MessageInput; output: MessageOutput; progress: never };
    /** Works without a session. */
    command: { key: 'action'; input: Command; output: Command; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `enum_internal` channel. */
export const enumInternalChannel: ChannelMeta = {
  name: 'enum_internal',
  route: '/internal',
  params: [],
  routingKeys: ['action'],
  actions: {
    send: { key: 'action' },
    command: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `enum_internal` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/internal` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectEnumInternal(
  url: string,
  openingData: EnumInternalChannel['openingData'],
  options?: ClientOptions<EnumInternalChannel>,
): ChannelClient<EnumInternalChannel> {
  return connectChannel<EnumInternalChannel>(enumInternalChannel, url, openingData, options);
}
