// ---- types ----

export interface Tree {
  value: number;
  children: Tree[];
}

/** `Program` as the server reads (the deserialize contract); `ProgramOutput` is the other direction. */
export interface ProgramInput {
  expr: Expr;
  author: PersonInput;
}

/** `Program` as the server writes (the serialize contract); `ProgramInput` is the other direction. */
export interface ProgramOutput {
  expr: Expr;
  author: PersonOutput;
}

export type Expr = { Num: number } | { Add: [Expr, Expr] } | { Neg: Expr };

/** `Person` as the server reads (the deserialize contract); `PersonOutput` is the other direction. */
export interface PersonInput {
  name: string;
  pets: PetInput[];
}

/** `Person` as the server writes (the serialize contract); `PersonInput` is the other direction. */
export interface PersonOutput {
  name: string;
  pets: PetOutput[];
}

/** `Pet` as the server reads (the deserialize contract); `PetOutput` is the other direction. */
export interface PetInput {
  name: string;
  owner?: PersonInput | null;
}

/** `Pet` as the server writes (the serialize contract); `PetInput` is the other direction. */
export interface PetOutput {
  name: string;
  owner: PersonOutput | null;
}

// ---- channels ----

/** The `recursive` channel at `/recursive`: the types of its opening data, first frame and actions. */
export interface RecursiveChannel extends ChannelSpec {
  name: 'recursive';
  route: '/recursive';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    grow: { key: 'action'; input: Tree; output: Tree; progress: never };
    /** Works without a session. */
    run: { key: 'action'; input: ProgramInput; output: ProgramOutput; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `recursive` channel. */
export const recursiveChannel: ChannelMeta = {
  name: 'recursive',
  route: '/recursive',
  params: [],
  routingKeys: ['action'],
  actions: {
    grow: { key: 'action' },
    run: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `recursive` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/recursive` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectRecursive(
  url: string,
  openingData: RecursiveChannel['openingData'],
  options?: ClientOptions<RecursiveChannel>,
): ChannelClient<RecursiveChannel> {
  return connectChannel<RecursiveChannel>(recursiveChannel, url, openingData, options);
}
