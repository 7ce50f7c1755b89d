// ---- types ----

/** An acknowledgement. */
export type Ack = null;

export interface Holder {
  ack: Ack;
  unit: null;
}

// ---- channels ----

/** The `unit_structs` channel at `/unit`: the types of its opening data, first frame and actions. */
export interface UnitStructsChannel extends ChannelSpec {
  name: 'unit_structs';
  route: '/unit';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    ping: { key: 'action'; input: void; output: void; progress: never };
    /** Works without a session. */
    ack: { key: 'action'; input: Ack; output: Ack; progress: never };
    /** Works without a session. */
    hold: { key: 'action'; input: Holder; output: Holder; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `unit_structs` channel. */
export const unitStructsChannel: ChannelMeta = {
  name: 'unit_structs',
  route: '/unit',
  params: [],
  routingKeys: ['action'],
  actions: {
    ping: { key: 'action' },
    ack: { key: 'action' },
    hold: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `unit_structs` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/unit` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectUnitStructs(
  url: string,
  openingData: UnitStructsChannel['openingData'],
  options?: ClientOptions<UnitStructsChannel>,
): ChannelClient<UnitStructsChannel> {
  return connectChannel<UnitStructsChannel>(unitStructsChannel, url, openingData, options);
}
