// ---- types ----

/** `Event` as the server reads (the deserialize contract); `EventOutput` is the other direction. */
export interface EventInput {
  kind: string;
  /** Left out when empty, but required when read: a classic mismatch the types must show. */
  labels: string[];
  note?: string | null;
  /** Read, never written. */
  password?: string;
}

/** `Event` as the server writes (the serialize contract); `EventInput` is the other direction. */
export interface EventOutput {
  kind: string;
  /** Written, never read. */
  server_id: number;
  /** Left out when empty, but required when read: a classic mismatch the types must show. */
  labels?: string[];
  note?: string | null;
}

// ---- channels ----

/** The `skip_serializing` channel at `/skip`: the types of its opening data, first frame and actions. */
export interface SkipSerializingChannel extends ChannelSpec {
  name: 'skip_serializing';
  route: '/skip';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    record: { key: 'action'; input: EventInput; output: EventOutput; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `skip_serializing` channel. */
export const skipSerializingChannel: ChannelMeta = {
  name: 'skip_serializing',
  route: '/skip',
  params: [],
  routingKeys: ['action'],
  actions: {
    record: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `skip_serializing` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`):
 * opens `/skip` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectSkipSerializing(
  url: string,
  openingData: SkipSerializingChannel['openingData'],
  options?: ClientOptions<SkipSerializingChannel>,
): ChannelClient<SkipSerializingChannel> {
  return connectChannel<SkipSerializingChannel>(skipSerializingChannel, url, openingData, options);
}
