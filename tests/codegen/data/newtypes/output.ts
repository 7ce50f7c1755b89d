// ---- types ----

export interface Account {
  id: UserId;
  email: Email;
  inner: Wrapper;
  friends: UserId[];
}

export type Email = string;

export interface Inner {
  a: boolean;
}

/** A user's id. */
export type UserId = number;

export type Wrapper = Inner;

// ---- channels ----

/** The `newtypes` channel at `/newtypes`: the types of its opening data, first frame and actions. */
export interface NewtypesChannel extends ChannelSpec {
  name: 'newtypes';
  route: '/newtypes';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    open: { key: 'action'; input: Account; output: Account; progress: never };
    /** Works without a session. */
    lookup: { key: 'action'; input: Email; output: UserId; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `newtypes` channel. */
export const newtypesChannel: ChannelMeta = {
  name: 'newtypes',
  route: '/newtypes',
  params: [],
  routingKeys: ['action'],
  actions: {
    open: { key: 'action' },
    lookup: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `newtypes` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/newtypes` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectNewtypes(
  url: string,
  openingData: NewtypesChannel['openingData'],
  options?: ClientOptions<NewtypesChannel>,
): ChannelClient<NewtypesChannel> {
  return connectChannel<NewtypesChannel>(newtypesChannel, url, openingData, options);
}
