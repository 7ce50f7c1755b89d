// ---- types ----

export interface Numbers {
  small: number;
  medium: number;
  /**
   * Milliseconds since the Unix epoch.
   *
   * `uint64` (64-bit) as a JavaScript `number`: exact up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`); larger
   * values lose precision.
   */
  big: number;
  /**
   * `int64` (64-bit) as a JavaScript `number`: exact up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`); larger
   * values lose precision.
   */
  signed_big: number;
  /**
   * `uint128` (128-bit) as a JavaScript `number`: exact up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`);
   * larger values lose precision.
   */
  huge: number;
  /**
   * `uint` (64-bit) as a JavaScript `number`: exact up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`); larger
   * values lose precision.
   */
  size: number;
  ratio: number;
  single: number;
  /**
   * `uint64` (64-bit) as a JavaScript `number`: exact up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`); larger
   * values lose precision.
   */
  many: number[];
}

// ---- channels ----

/** The `integers` channel at `/integers`: the types of its opening data, first frame and actions. */
export interface IntegersChannel extends ChannelSpec {
  name: 'integers';
  route: '/integers';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    count: { key: 'action'; input: Numbers; output: Numbers; progress: never };
    /**
     * Works without a session.
     *
     * Output: `uint64` (64-bit) as a JavaScript `number`: exact up to 2^53 - 1
     * (`Number.MAX_SAFE_INTEGER`); larger values lose precision.
     */
    total: { key: 'action'; input: number[]; output: number; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `integers` channel. */
export const integersChannel: ChannelMeta = {
  name: 'integers',
  route: '/integers',
  params: [],
  routingKeys: ['action'],
  actions: {
    count: { key: 'action' },
    total: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `integers` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/integers` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectIntegers(
  url: string,
  openingData: IntegersChannel['openingData'],
  options?: ClientOptions<IntegersChannel>,
): ChannelClient<IntegersChannel> {
  return connectChannel<IntegersChannel>(integersChannel, url, openingData, options);
}
