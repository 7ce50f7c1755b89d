// ---- types ----

/** `Page` as the server reads (the deserialize contract); `PageOutput` is the other direction. */
export interface PageInput {
  title: string;
  author: string;
  /** Optional: the server uses `false` when it is missing. */
  draft?: boolean;
  /** Further members (a flattened map). */
  [key: string]: unknown;
}

/** `Page` as the server writes (the serialize contract); `PageInput` is the other direction. */
export interface PageOutput {
  title: string;
  author: string;
  draft: boolean;
  /** Further members (a flattened map). */
  [key: string]: unknown;
}

export type Note = { id: number } & ({ kind: 'Text'; text: string } | { kind: 'Link'; href: string });

export interface Counts {
  total: number;
  /** Further members (a flattened map). */
  [key: string]: number;
}

// ---- channels ----

/** The `flatten` channel at `/flatten`: the types of its opening data, first frame and actions. */
export interface FlattenChannel extends ChannelSpec {
  name: 'flatten';
  route: '/flatten';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    page: { key: 'action'; input: PageInput; output: PageOutput; progress: never };
    /** Works without a session. */
    note: { key: 'action'; input: Note; output: Note; progress: never };
    /** Works without a session. */
    counts: { key: 'action'; input: Counts; output: Counts; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `flatten` channel. */
export const flattenChannel: ChannelMeta = {
  name: 'flatten',
  route: '/flatten',
  params: [],
  routingKeys: ['action'],
  actions: {
    page: { key: 'action' },
    note: { key: 'action' },
    counts: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `flatten` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/flatten` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectFlatten(
  url: string,
  openingData: FlattenChannel['openingData'],
  options?: ClientOptions<FlattenChannel>,
): ChannelClient<FlattenChannel> {
  return connectChannel<FlattenChannel>(flattenChannel, url, openingData, options);
}
