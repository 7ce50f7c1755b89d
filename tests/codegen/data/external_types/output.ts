// ---- types ----

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

// ---- channels ----

/**
 * The `external_types` channel at `/external-types`: the types of its opening data, first frame and
 * actions.
 */
export interface ExternalTypesChannel extends ChannelSpec {
  name: 'external_types';
  route: '/external-types';
  /** No opening data. */
  openingData: void;
  /** No `on_connect`: the server sends nothing first. */
  connect: void;
  actions: {
    /** Works without a session. */
    book: { key: 'action'; input: BookingInput; output: BookingOutput; progress: never };
    /**
     * Works without a session.
     *
     * Input: A UUID string, e.g. `67e55044-10b1-426f-9247-bb680e5fe0c8`.
     *
     * Output: An RFC 3339 date-time string, e.g. `2024-05-01T12:30:00Z`.
     */
    find: { key: 'action'; input: string; output: string | null; progress: never };
  };
  topics: {};
}

/** What the client needs at run time about the `external_types` channel. */
export const externalTypesChannel: ChannelMeta = {
  name: 'external_types',
  route: '/external-types',
  params: [],
  routingKeys: ['action'],
  actions: {
    book: { key: 'action' },
    find: { key: 'action' },
  },
  topics: {},
};

/**
 * Connects to the `external_types` channel of the server at `url` (e.g. `ws://127.0.0.1:3000`): opens
 * `/external-types` with `openingData` as its params and query, and reconnects until `close()`.
 */
export function connectExternalTypes(
  url: string,
  openingData: ExternalTypesChannel['openingData'],
  options?: ClientOptions<ExternalTypesChannel>,
): ChannelClient<ExternalTypesChannel> {
  return connectChannel<ExternalTypesChannel>(externalTypesChannel, url, openingData, options);
}
