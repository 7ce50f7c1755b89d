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

/** `Event` as the server reads (the deserialize contract); `EventOutput` is the other direction. */
export interface EventInput {
  kind: string;
  /** Left out when empty, but required when read: a classic mismatch the types must show. */
  labels: string[];
  note?: string | null;
  /** Read, never written. */
  password?: string;
}

/** `Event` as the server writes (the serialize contract); `EventInput` is the other direction. */
export interface EventOutput {
  kind: string;
  /** Written, never read. */
  server_id: number;
  /** Left out when empty, but required when read: a classic mismatch the types must show. */
  labels?: string[];
  note?: string | null;
}

export interface UserInfo {
  firstName: string;
  'e-mail': string;
  isAdmin: boolean;
  level: Level;
}

export type Level = 'LOW_PRIORITY' | 'urgent';

/** A shape. */
export type Shape =
  /** Nothing at all. */
  | 'Empty'
  /** A circle by its radius. */
  | { Circle: number }
  | { Point: [number, number] }
  | { Rect: { w: number; h: number } }
  | { tri: { base: number } };

/** `Message` as the server reads (the deserialize contract); `MessageOutput` is the other direction. */
export type MessageInput =
  | { type: 'Ping' }
  | { type: 'Text'; body: string }
  /** A payload's fields next to the tag. */
  | { type: 'Wrapped' } & PayloadInput;

/** `Message` as the server writes (the serialize contract); `MessageInput` is the other direction. */
export type MessageOutput =
  | { type: 'Ping' }
  | { type: 'Text'; body: string }
  /** A payload's fields next to the tag. */
  | { type: 'Wrapped' } & PayloadOutput;

/** `Payload` as the server reads (the deserialize contract); `PayloadOutput` is the other direction. */
export interface PayloadInput {
  id: number;
  /** Optional: the server uses `0` when it is missing. */
  priority?: number;
}

/** `Payload` as the server writes (the serialize contract); `PayloadInput` is the other direction. */
export interface PayloadOutput {
  id: number;
  priority: number;
}

/** `Block` as the server reads (the deserialize contract); `BlockOutput` is the other direction. */
export type BlockInput =
  | { t: 'Divider' }
  | { t: 'Heading'; c: string }
  | { t: 'Pair'; c: [number, number] }
  | { t: 'Image'; c: { url: string; alt?: string | null } };

/** `Block` as the server writes (the serialize contract); `BlockInput` is the other direction. */
export type BlockOutput =
  | { t: 'Divider' }
  | { t: 'Heading'; c: string }
  | { t: 'Pair'; c: [number, number] }
  | { t: 'Image'; c: { url: string; alt: string | null } };

export type Setting =
  | boolean
  | number
  | string
  | [number, string]
  | { x: number; y: number }
  | null;

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

export interface Maps {
  by_name: Record<string, number>;
  by_kind: { Cat?: string; Dog?: string };
  by_id: Record<`${number}`, boolean>;
  loose: Record<string, unknown>;
  nested: Record<string, Item[]>;
}

export interface Item {
  name: string;
}

export interface Geo {
  point: [number, number];
  rgb: [number, number, number];
  labeled: [string, number, boolean];
  list: [string, number][];
  pair: Pair;
}

/** A tuple struct is an array. */
export type Pair = [number, string];

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

export interface Holder {
  ack: Ack;
  unit: null;
}

/** An acknowledgement. */
export type Ack = null;

/** `Envelope` as the server reads (the deserialize contract); `EnvelopeOutput` is the other direction. */
export interface EnvelopeInput {
  payload: unknown;
  list: unknown[];
  meta?: unknown;
}

/** `Envelope` as the server writes (the serialize contract); `EnvelopeInput` is the other direction. */
export interface EnvelopeOutput {
  payload: unknown;
  meta: unknown;
  list: unknown[];
}

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

export interface Tree {
  value: number;
  children: Tree[];
}

/** `Booking` as the server reads (the deserialize contract); `BookingOutput` is the other direction. */
export interface BookingInput {
  /** A UUID string, e.g. `67e55044-10b1-426f-9247-bb680e5fe0c8`. */
  id: string;
  /** An RFC 3339 date-time string, e.g. `2024-05-01T12:30:00Z`. */
  created: string;
  /** An RFC 3339 date-time string, e.g. `2024-05-01T12:30:00Z`. */
  local: string;
  /** A calendar date string, `YYYY-MM-DD`. */
  day: string;
  /** A date-time string without a time zone, e.g. `2024-05-01T12:30:00`. */
  wall_clock: string;
  /** A UUID string, e.g. `67e55044-10b1-426f-9247-bb680e5fe0c8`. */
  guests: string[];
  /** An RFC 3339 date-time string, e.g. `2024-05-01T12:30:00Z`. */
  cancelled?: string | null;
}

/** `Booking` as the server writes (the serialize contract); `BookingInput` is the other direction. */
export interface BookingOutput {
  /** A UUID string, e.g. `67e55044-10b1-426f-9247-bb680e5fe0c8`. */
  id: string;
  /** An RFC 3339 date-time string, e.g. `2024-05-01T12:30:00Z`. */
  created: string;
  /** An RFC 3339 date-time string, e.g. `2024-05-01T12:30:00Z`. */
  local: string;
  /** A calendar date string, `YYYY-MM-DD`. */
  day: string;
  /** A date-time string without a time zone, e.g. `2024-05-01T12:30:00`. */
  wall_clock: string;
  /** A UUID string, e.g. `67e55044-10b1-426f-9247-bb680e5fe0c8`. */
  guests: string[];
  /** An RFC 3339 date-time string, e.g. `2024-05-01T12:30:00Z`. */
  cancelled: string | null;
}

/** Fixed-size arrays: serde reads and writes exactly `N` elements. */
export interface Digests {
  sha256: FixedArray<number, 32>;
  none: [];
  rgb: [number, number, number];
}

/** Floats: the server never writes NaN or infinity (serde_json's `null`), it fails the call. */
export interface Reading {
  value: number;
  gain: number;
}

/** An enum without variants: no value is one. */
export type Never = never;

export type Nothing = never;

export type NonEmpty = [string, ...string[]];

export interface Tagged {
  name: string;
  extra: unknown;
}

export type Headers = Record<string, string>;

export type Few = number[];

/**
 * `tag` on a struct: serde writes `"kind": "Joined"` and ignores `kind` when it reads.
 *
 * `Joined` as the server reads (the deserialize contract); `JoinedOutput` is the other direction.
 */
export interface JoinedInput {
  name: string;
  kind?: unknown;
}

/**
 * `tag` on a struct: serde writes `"kind": "Joined"` and ignores `kind` when it reads.
 *
 * `Joined` as the server writes (the serialize contract); `JoinedInput` is the other direction.
 */
export interface JoinedOutput {
  kind: 'Joined';
  name: string;
}

/**
 * Aliases: serde reads a field under any one of its names.
 *
 * `Login` as the server reads (the deserialize contract); `LoginOutput` is the other direction.
 */
export type LoginInput = ({ name: string; login?: never; user?: never } | { login: string; name?: never; user?: never } | { user: string; login?: never; name?: never }) & ({
  /** Optional: the server uses `0` when it is missing. */
  count?: number;
  n?: never;
} | {
  count?: never;
  /** Optional: the server uses `0` when it is missing. */
  n?: number;
});

/**
 * Aliases: serde reads a field under any one of its names.
 *
 * `Login` as the server writes (the serialize contract); `LoginInput` is the other direction.
 */
export interface LoginOutput {
  name: string;
  count: number;
}

/**
 * `other`: serde reads any unknown name as `Unknown`.
 *
 * `Status` as the server reads (the deserialize contract); `StatusOutput` is the other direction.
 */
export type StatusInput = string;

/**
 * `other`: serde reads any unknown name as `Unknown`.
 *
 * `Status` as the server writes (the serialize contract); `StatusInput` is the other direction.
 */
export type StatusOutput = 'Active' | 'Away' | 'Unknown';

/**
 * `other` in an internally tagged enum: any unknown tag, whatever else the object holds.
 *
 * `Signal` as the server reads (the deserialize contract); `SignalOutput` is the other direction.
 */
export type SignalInput =
  | { type: 'Start'; at: number }
  | { type: 'Stop' }
  | {
      type: string;
      /** Further members (a flattened map). */
      [key: string]: unknown;
    };

/**
 * `other` in an internally tagged enum: any unknown tag, whatever else the object holds.
 *
 * `Signal` as the server writes (the serialize contract); `SignalInput` is the other direction.
 */
export type SignalOutput = { type: 'Start'; at: number } | { type: 'Stop' } | { type: 'Unknown' };

/**
 * A flattened `Option` of a struct: serde writes all of its members or none of them.
 *
 * `Located` as the server reads (the deserialize contract); `LocatedOutput` is the other direction.
 */
export interface LocatedInput {
  id: number;
  lat?: number;
  lon?: number | null;
}

/**
 * A flattened `Option` of a struct: serde writes all of its members or none of them.
 *
 * `Located` as the server writes (the serialize contract); `LocatedInput` is the other direction.
 */
export type LocatedOutput = { id: number } & ({ lat?: never; lon?: never } | { lat: number; lon: number | null });

/**
 * Aliases of variants and of a variant's fields, internally tagged.
 *
 * `Op` as the server reads (the deserialize contract); `OpOutput` is the other direction.
 */
export type OpInput =
  | { op: 'Add' } & ({ amount: number; by?: never } | { by: number; amount?: never })
  | { op: 'Clear' }
  | { op: 'add' } & ({ amount: number; by?: never } | { by: number; amount?: never })
  | { op: 'reset' };

/**
 * Aliases of variants and of a variant's fields, internally tagged.
 *
 * `Op` as the server writes (the serialize contract); `OpInput` is the other direction.
 */
export type OpOutput = { op: 'Add'; amount: number } | { op: 'Clear' };

/**
 * Aliases of variants, externally tagged: a unit variant and a newtype variant.
 *
 * `Mode` as the server reads (the deserialize contract); `ModeOutput` is the other direction.
 */
export type ModeInput = 'Fast' | 'fast' | { Slow: number } | { s: number };

/**
 * Aliases of variants, externally tagged: a unit variant and a newtype variant.
 *
 * `Mode` as the server writes (the serialize contract); `ModeInput` is the other direction.
 */
export type ModeOutput = 'Fast' | { Slow: number };

/**
 * Standard types serde gives a shape of their own.
 *
 * `Std` as the server reads (the deserialize contract); `StdOutput` is the other direction.
 */
export interface StdInput {
  set: number[];
  duration: Duration;
  letter: string;
  boxed: string;
  count: number;
  outcome: Result_of_uint8_or_string;
  id: Id;
  tiny: number;
  maybe_maybe?: number | null;
}

/**
 * Standard types serde gives a shape of their own.
 *
 * `Std` as the server writes (the serialize contract); `StdInput` is the other direction.
 */
export interface StdOutput {
  set: number[];
  duration: Duration;
  letter: string;
  maybe_maybe: number | null;
  boxed: string;
  count: number;
  outcome: Result_of_uint8_or_string;
  id: Id;
  tiny: number;
}

export interface Duration {
  /**
   * `uint64` (64-bit) as a JavaScript `number`: exact up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`); larger
   * values lose precision.
   */
  secs: number;
  nanos: number;
}

/**
 * A transparent newtype: its content alone.
 *
 * `uint64` (64-bit) as a JavaScript `number`: exact up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`); larger
 * values lose precision.
 */
export type Id = number;

export type Result_of_uint8_or_string = { Ok: number } | { Err: string };

// ---- channels ----

/** The `corpus` channel at `/corpus`: the types of its opening data, first frame and actions. */
export interface CorpusChannel extends ChannelSpec {
  name: 'corpus';
  route: '/corpus';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    options: { key: 'action'; input: ProfileInput; output: ProfileOutput; progress: never };
    /** Works without a session. */
    defaults: { key: 'action'; input: SettingsInput; output: SettingsOutput; progress: never };
    /** Works without a session. */
    skip_serializing: { key: 'action'; input: EventInput; output: EventOutput; progress: never };
    /** Works without a session. */
    renames: { key: 'action'; input: UserInfo; output: UserInfo; progress: never };
    /** Works without a session. */
    enum_external: { key: 'action'; input: Shape; output: Shape; progress: never };
    /** Works without a session. */
    enum_internal: { key: 'action'; input: MessageInput; output: MessageOutput; progress: never };
    /** Works without a session. */
    enum_adjacent: { key: 'action'; input: BlockInput; output: BlockOutput; progress: never };
    /** Works without a session. */
    enum_untagged: { key: 'action'; input: Setting; output: Setting; progress: never };
    /** Works without a session. */
    flatten: { key: 'action'; input: PageInput; output: PageOutput; progress: never };
    /** Works without a session. */
    maps: { key: 'action'; input: Maps; output: Maps; progress: never };
    /** Works without a session. */
    tuples: { key: 'action'; input: Geo; output: Geo; progress: never };
    /** Works without a session. */
    newtypes: { key: 'action'; input: Account; output: Account; progress: never };
    /** Works without a session. */
    unit_structs: { key: 'action'; input: Holder; output: Holder; progress: never };
    /** Works without a session. */
    json_value: { key: 'action'; input: EnvelopeInput; output: EnvelopeOutput; progress: never };
    /** Works without a session. */
    integers: { key: 'action'; input: Numbers; output: Numbers; progress: never };
    /** Works without a session. */
    recursive: { key: 'action'; input: Tree; output: Tree; progress: never };
    /** Works without a session. */
    external_types: { key: 'action'; input: BookingInput; output: BookingOutput; progress: never };
    /** Works without a session. */
    fixed_arrays: { key: 'action'; input: Digests; output: Digests; progress: never };
    /** Works without a session. */
    floats: { key: 'action'; input: Reading; output: Reading; progress: never };
    /** Works without a session. */
    no_variants: { key: 'action'; input: Never; output: Never; progress: never };
    /** Works without a session. */
    empty_enum: { key: 'action'; input: Nothing; output: Nothing; progress: never };
    /** Works without a session. */
    min_items: { key: 'action'; input: NonEmpty; output: NonEmpty; progress: never };
    /** Works without a session. */
    required_only: { key: 'action'; input: Tagged; output: Tagged; progress: never };
    /** Works without a session. */
    key_patterns: { key: 'action'; input: Headers; output: Headers; progress: never };
    /** Works without a session. */
    max_items: { key: 'action'; input: Few; output: Few; progress: never };
    /** Works without a session. */
    struct_tag: { key: 'action'; input: JoinedInput; output: JoinedOutput; progress: never };
    /** Works without a session. */
    aliases: { key: 'action'; input: LoginInput; output: LoginOutput; progress: never };
    /** Works without a session. */
    other_external: { key: 'action'; input: StatusInput; output: StatusOutput; progress: never };
    /** Works without a session. */
    other_internal: { key: 'action'; input: SignalInput; output: SignalOutput; progress: never };
    /** Works without a session. */
    flatten_option: { key: 'action'; input: LocatedInput; output: LocatedOutput; progress: never };
    /** Works without a session. */
    variant_aliases: { key: 'action'; input: OpInput; output: OpOutput; progress: never };
    /** Works without a session. */
    external_aliases: { key: 'action'; input: ModeInput; output: ModeOutput; progress: never };
    /** Works without a session. */
    std_types: { key: 'action'; input: StdInput; output: StdOutput; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `corpus` channel. */
export const corpusChannel: ChannelMeta = {
  name: 'corpus',
  route: '/corpus',
  params: [],
  routingKeys: ['action'],
  actions: {
    options: { key: 'action' },
    defaults: { key: 'action' },
    skip_serializing: { key: 'action' },
    renames: { key: 'action' },
    enum_external: { key: 'action' },
    enum_internal: { key: 'action' },
    enum_adjacent: { key: 'action' },
    enum_untagged: { key: 'action' },
    flatten: { key: 'action' },
    maps: { key: 'action' },
    tuples: { key: 'action' },
    newtypes: { key: 'action' },
    unit_structs: { key: 'action' },
    json_value: { key: 'action' },
    integers: { key: 'action' },
    recursive: { key: 'action' },
    external_types: { key: 'action' },
    fixed_arrays: { key: 'action' },
    floats: { key: 'action' },
    no_variants: { key: 'action' },
    empty_enum: { key: 'action' },
    min_items: { key: 'action' },
    required_only: { key: 'action' },
    key_patterns: { key: 'action' },
    max_items: { key: 'action' },
    struct_tag: { key: 'action' },
    aliases: { key: 'action' },
    other_external: { key: 'action' },
    other_internal: { key: 'action' },
    flatten_option: { key: 'action' },
    variant_aliases: { key: 'action' },
    external_aliases: { key: 'action' },
    std_types: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `corpus` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/corpus` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectCorpus(
  url: string,
  openingData: CorpusChannel['openingData'],
  options?: ClientOptions<CorpusChannel>,
): ChannelClient<CorpusChannel> {
  return connectChannel<CorpusChannel>(corpusChannel, url, openingData, options);
}
