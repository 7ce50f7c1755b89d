// ---- types ----

/** `Profile` as the server reads (the deserialize contract); `ProfileOutput` is the other direction. */
export interface ProfileInput {
  name: string;
  age?: number | null;
  /** Optional: the server uses `null` when it is missing. */
  bio?: string | null;
  nickname?: string | null;
  tags?: string[] | null;
}

/** `Profile` as the server writes (the serialize contract); `ProfileInput` is the other direction. */
export interface ProfileOutput {
  name: string;
  nickname: string | null;
  bio: string | null;
  tags: string[] | null;
  age?: number | null;
}

// ---- channels ----

/** The `options` channel at `/options`: the types of its opening data, first frame and actions. */
export interface OptionsChannel extends ChannelSpec {
  name: 'options';
  route: '/options';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    echo: { key: 'action'; input: ProfileInput; output: ProfileOutput; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `options` channel. */
export const optionsChannel: ChannelMeta = {
  name: 'options',
  route: '/options',
  params: [],
  routingKeys: ['action'],
  actions: {
    echo: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `options` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/options` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectOptions(
  url: string,
  openingData: OptionsChannel['openingData'],
  options?: ClientOptions<OptionsChannel>,
): ChannelClient<OptionsChannel> {
  return connectChannel<OptionsChannel>(optionsChannel, url, openingData, options);
}
