// ---- types ----

/** `Settings` as the server reads (the deserialize contract); `SettingsOutput` is the other direction. */
export interface SettingsInput {
  id: number;
  /** Optional: the server uses `[]` when it is missing. */
  flags?: string[];
  /** Optional: the server uses `"dark"` when it is missing. */
  theme?: string;
  /** Optional: the server uses `0` when it is missing. */
  volume?: number;
}

/** `Settings` as the server writes (the serialize contract); `SettingsInput` is the other direction. */
export interface SettingsOutput {
  id: number;
  volume: number;
  theme: string;
  flags: string[];
}

/** `Limits` as the server reads (the deserialize contract); `LimitsOutput` is the other direction. */
export interface LimitsInput {
  /** Optional: the server uses `""` when it is missing. */
  label?: string;
  /** Optional: the server uses `0` when it is missing. */
  max_users?: number;
}

/** `Limits` as the server writes (the serialize contract); `LimitsInput` is the other direction. */
export interface LimitsOutput {
  max_users: number;
  label: string;
}

// ---- channels ----

/** The `defaults` channel at `/defaults`: the types of its opening data, first frame and actions. */
export interface DefaultsChannel extends ChannelSpec {
  name: 'defaults';
  route: '/defaults';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    save: { key: 'action'; input: SettingsInput; output: SettingsOutput; progress: never };
    /** Works without a session. */
    limits: { key: 'action'; input: LimitsInput; output: LimitsOutput; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `defaults` channel. */
export const defaultsChannel: ChannelMeta = {
  name: 'defaults',
  route: '/defaults',
  params: [],
  routingKeys: ['action'],
  actions: {
    save: { key: 'action' },
    limits: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `defaults` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/defaults` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectDefaults(
  url: string,
  openingData: DefaultsChannel['openingData'],
  options?: ClientOptions<DefaultsChannel>,
): ChannelClient<DefaultsChannel> {
  return connectChannel<DefaultsChannel>(defaultsChannel, url, openingData, options);
}
