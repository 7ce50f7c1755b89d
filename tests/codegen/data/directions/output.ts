// ---- types ----

export interface Same {
  a: string;
}

/** `Holder` as the server reads (the deserialize contract); `HolderOutput` is the other direction. */
export interface HolderInput {
  d: DiffersInput;
  s: Same;
}

/** `Holder` as the server writes (the serialize contract); `HolderInput` is the other direction. */
export interface HolderOutput {
  d: DiffersOutput;
  s: Same;
}

/** `Differs` as the server reads (the deserialize contract); `DiffersOutput` is the other direction. */
export interface DiffersInput {
  a: string;
  /** Optional: the server uses `0` when it is missing. */
  b?: number;
}

/** `Differs` as the server writes (the serialize contract); `DiffersInput` is the other direction. */
export interface DiffersOutput {
  a: string;
  b: number;
}

/** Only ever read. */
export interface Query {
  /** Optional: the server uses `0` when it is missing. */
  limit?: number;
}

// ---- channels ----

/** The `directions` channel at `/directions`: the types of its opening data, first frame and actions. */
export interface DirectionsChannel extends ChannelSpec {
  name: 'directions';
  route: '/directions';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    same: { key: 'action'; input: Same; output: Same; progress: never };
    /** Works without a session. */
    hold: { key: 'action'; input: HolderInput; output: HolderOutput; progress: never };
    /** Works without a session. */
    search: { key: 'action'; input: Query; output: Same[]; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `directions` channel. */
export const directionsChannel: ChannelMeta = {
  name: 'directions',
  route: '/directions',
  params: [],
  routingKeys: ['action'],
  actions: {
    same: { key: 'action' },
    hold: { key: 'action' },
    search: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `directions` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/directions` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectDirections(
  url: string,
  openingData: DirectionsChannel['openingData'],
  options?: ClientOptions<DirectionsChannel>,
): ChannelClient<DirectionsChannel> {
  return connectChannel<DirectionsChannel>(directionsChannel, url, openingData, options);
}
