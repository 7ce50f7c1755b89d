// ---- types ----

/** The greeting every connection gets first. */
export interface Hello {
  /** Server version. */
  version: string;
}

/**
 * A note someone wrote.
 *
 * It has a second paragraph, and a comment closer in text: *\/ must not end the JSDoc.
 *
 * `Note` as the server reads (the deserialize contract); `NoteOutput` is the other direction.
 */
export interface NoteInput {
  /**
   * The text, in Markdown.
   *
   * Two paragraphs here too.
   */
  text: string;
  /** Who wrote it. */
  author: Author;
  /** How it is shown. */
  style: Style;
  /** @deprecated */
  color?: string | null;
}

/**
 * A note someone wrote.
 *
 * It has a second paragraph, and a comment closer in text: *\/ must not end the JSDoc.
 *
 * `Note` as the server writes (the serialize contract); `NoteInput` is the other direction.
 */
export interface NoteOutput {
  /**
   * The text, in Markdown.
   *
   * Two paragraphs here too.
   */
  text: string;
  /** Who wrote it. */
  author: Author;
  /** How it is shown. */
  style: Style;
  /** @deprecated */
  color: string | null;
}

/** The author of a note. */
export interface Author {
  /** Their display name. */
  name: string;
}

/** How a note is shown. */
export type Style =
  /** As typed. */
  | 'plain'
  /** In bold. */
  | 'bold';

// ---- channels ----

/** The `docs` channel at `/docs`: the types of its opening data, first frame and actions. */
export interface DocsChannel extends ChannelSpec {
  name: 'docs';
  route: '/docs';
  /** No opening data. */
  openingData: void;
  /** The first frame, what `hello` returns. Says hello. */
  connect: Hello;
  actions: {
    /**
     * Stores a note.
     *
     * Returns it as stored.
     *
     * Works without a session.
     */
    keep: { key: 'action'; input: NoteInput; output: NoteOutput; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `docs` channel. */
export const docsChannel: ChannelMeta = {
  name: 'docs',
  route: '/docs',
  params: [],
  routingKeys: ['action'],
  actions: {
    keep: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `docs` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens `/docs`
 * with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectDocs(
  url: string,
  openingData: DocsChannel['openingData'],
  options?: ClientOptions<DocsChannel>,
): ChannelClient<DocsChannel> {
  return connectChannel<DocsChannel>(docsChannel, url, openingData, options);
}
