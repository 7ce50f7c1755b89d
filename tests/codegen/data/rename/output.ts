// ---- types ----

export interface UserInfo {
  firstName: string;
  'e-mail': string;
  isAdmin: boolean;
  level: Level;
}

export type Level = 'LOW_PRIORITY' | 'urgent';

/** Renamed as a whole: its TypeScript name follows the serde name. */
export interface Renamed {
  x: number;
}

/**
 * Read in snake_case, written in camelCase.
 *
 * `Asymmetric` as the server reads (the deserialize contract); `AsymmetricOutput` is the other
 * direction.
 */
export interface AsymmetricInput {
  some_field: number;
  in_name: string;
}

/**
 * Read in snake_case, written in camelCase.
 *
 * `Asymmetric` as the server writes (the serialize contract); `AsymmetricInput` is the other
 * direction.
 */
export interface AsymmetricOutput {
  someField: number;
  outName: string;
}

// ---- channels ----

/** The `rename` channel at `/rename`: the types of its opening data, first frame and actions. */
export interface RenameChannel extends ChannelSpec {
  name: 'rename';
  route: '/rename';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    user: { key: 'action'; input: UserInfo; output: UserInfo; progress: never };
    /** Works without a session. */
    original: { key: 'action'; input: Renamed; output: Renamed; progress: never };
    /** Works without a session. */
    asymmetric: { key: 'action'; input: AsymmetricInput; output: AsymmetricOutput; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `rename` channel. */
export const renameChannel: ChannelMeta = {
  name: 'rename',
  route: '/rename',
  params: [],
  routingKeys: ['action'],
  actions: {
    user: { key: 'action' },
    original: { key: 'action' },
    asymmetric: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `rename` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/rename` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectRename(
  url: string,
  openingData: RenameChannel['openingData'],
  options?: ClientOptions<RenameChannel>,
): ChannelClient<RenameChannel> {
  return connectChannel<RenameChannel>(renameChannel, url, openingData, options);
}
