// ---- types ----

/** One game: anyone may watch it. */
export interface Game {
  /**
   * `uint64` (64-bit) as a JavaScript `number`: exact up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`); larger
   * values lose precision.
   */
  id: number;
}

/** What happens in a game. */
export type GameEvent =
  /** A move. */
  | { kind: 'moved'; player: string; to: number }
  /** The end. */
  | { kind: 'over'; winner: string | null };

// ---- channels ----

/** The `games` channel at `/games`: the types of its opening data, first frame and actions. */
export interface GamesChannel extends ChannelSpec {
  name: 'games';
  route: '/games';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /**
     * Replays a game: each event as progress, then how many there were.
     *
     * Works without a session.
     *
     * Sends progress (a push outside a call with an id) while it runs.
     */
    replay: { key: 'action'; input: Game; output: number; progress: GameEvent };
  };
  topics: {
    /**
     * Topic `game`: publications to `game:{id}`. The client subscribes to it (authorized by `may_watch`,
     * which works without a session). Lets anyone watch any game but game 0.
     *
     * History: the last 50 publications, kept for 1 h; each carries its position. A subscription gets each
     * publication once and in order across reconnects, or is told of a gap (`onGap`); `recent` asks for
     * the last ones first.
     */
    game: {
      params: Game;
      payload: GameEvent;
      subscribe: true;
      history: true;
    };
    /**
     * Topic `inbox`: publications to `inbox:{region}:{player}`. Only the server subscribes connections to
     * it.
     */
    inbox: {
      params: { region: string | number; player: string | number };
      payload: string;
      subscribe: false;
      history: false;
    };
  };
}

/** What the client needs at run time about the `games` channel. */
export const gamesChannel: ChannelMeta = {
  name: 'games',
  route: '/games',
  params: [],
  routingKeys: ['action', 'subscribe', 'unsubscribe'],
  actions: {
    replay: { key: 'action' },
  },
  topics: {
    game: { pattern: 'game:{id}', subscribe: true },
    inbox: { pattern: 'inbox:{region}:{player}', subscribe: false },
  },
};

/**
 * Connects to the `games` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens `/games`
 * with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectGames(
  url: string,
  openingData: GamesChannel['openingData'],
  options?: ClientOptions<GamesChannel>,
): ChannelClient<GamesChannel> {
  return connectChannel<GamesChannel>(gamesChannel, url, openingData, options);
}
