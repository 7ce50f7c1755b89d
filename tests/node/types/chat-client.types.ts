// Type-level tests of the generated chat client: `tsc --strict` must accept the correct uses and
// must report an error at every `@ts-expect-error` (an unused one is itself an error).
import WebSocket from 'ws';
import {
  ChannelCallError,
  connectChat,
  type ChatChannel,
  type ChannelClient,
  type Gap,
  type HistorySubscription,
  type MessageSent,
  type Position,
  type RoomEvent,
  type TopicSubscription,
} from '../../../examples/chat/web/chat-client.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

export async function typeLevel(): Promise<void> {
  // Both the `ws` package and a browser-style global constructor fit `options.WebSocket`.
  const client: ChannelClient<ChatChannel> = connectChat('ws://127.0.0.1:3000', { room: 'general' }, { WebSocket });

  // Correct uses.
  const auth = await client.call('authenticate', { token: 't' }, { restore: true });
  const ok: boolean = auth.authenticated;
  const sent = await client.call('sendMessage', { message: 'hi' }, { timeoutMs: 500 });
  const timestamp: number = sent.timestamp;
  assertType<Equal<typeof sent, MessageSent>>();
  client.notify('sendMessage', { message: 'fire and forget' });
  client.onConnect((welcome) => {
    const text: string = welcome.welcome;
    void text;
  });
  client.on('sendMessage', (data: unknown) => void data);
  client.onTopic('room:general', (data: unknown, topic: string) => void [data, topic]);
  client.onState((state) => {
    assertType<Equal<typeof state, 'connecting' | 'open' | 'reconnecting' | 'closed'>>();
  });
  try {
    await client.call('sendMessage', { message: '' });
  } catch (e) {
    if (e instanceof ChannelCallError) {
      const code: string = e.code;
      const details: unknown = e.details;
      void [code, details];
    }
  }
  void [ok, timestamp];

  // Topics: typed parameters and payloads; `room` keeps a history, so its subscriptions tell gaps
  // and their position, and may ask for the recent publications.
  const lobby = client.topic('room', { room: 'lobby' });
  assertType<Equal<typeof lobby, HistorySubscription<RoomEvent>>>();
  const asTopic: TopicSubscription<RoomEvent> = lobby;
  void asTopic;
  const recent = client.topic('room', { room: 'lobby' }, { recent: 50 });
  const stopGaps = recent.onGap((gap) => {
    assertType<Equal<typeof gap, Gap>>();
    const from: Position | null = gap.from;
    const to: Position = gap.to;
    const where: [string, number] = [to.epoch, to.offset];
    void [from, where];
  });
  stopGaps();
  const position: Position | null = recent.position;
  void position;
  client.topic('room', { room: 'lobby' }, {});
  // @ts-expect-error `recent` is a number
  client.topic('room', { room: 'lobby' }, { recent: 'all' });
  // @ts-expect-error the options have no `since`: the client keeps the position itself
  client.topic('room', { room: 'lobby' }, { since: { epoch: 'e', offset: 1 } });
  // @ts-expect-error a gap's positions are Positions
  recent.onGap((gap: { from: number }) => void gap);
  // @ts-expect-error the position is read-only
  recent.position = null;
  const stop = lobby.on((event) => {
    assertType<Equal<typeof event, RoomEvent>>();
    if ('message' in event) {
      const from: string = event.from;
      const at: number = event.timestamp;
      void [from, at];
    } else if ('joined' in event) {
      const joined: string = event.joined;
      void joined;
    } else {
      const left: string = event.left;
      void left;
    }
  });
  stop();
  await lobby.ready;
  const topicName: string = lobby.name;
  await lobby.unsubscribe();
  await client.call('sendMessage', { message: 'to the lobby', room: 'lobby' });
  void topicName;
  // @ts-expect-error the chat channel declares no topic `rooms`
  client.topic('rooms', { room: 'x' });
  // @ts-expect-error a room's name is a string
  client.topic('room', { room: 5 });
  // @ts-expect-error the parameters are required
  client.topic('room', {});
  // @ts-expect-error a room carries RoomEvents, not numbers
  lobby.on((event: number) => void event);

  // A wrong action name.
  // @ts-expect-error 'sendMesage' is not an action of the chat channel
  await client.call('sendMesage', { message: 'hi' });
  // @ts-expect-error notifications are checked the same way
  client.notify('join', { room: 'x' });
  // @ts-expect-error pushes too
  client.on('nope', () => undefined);

  // A wrong input shape.
  // @ts-expect-error `message` must be a string
  await client.call('sendMessage', { message: 42 });
  // @ts-expect-error `token` is missing
  await client.call('authenticate', {});
  // @ts-expect-error `text` is not a member of SendMessage
  await client.call('sendMessage', { message: 'hi', text: 'hi' });
  // @ts-expect-error the input is required
  await client.call('sendMessage');
  // @ts-expect-error the opening data needs `room`
  connectChat('ws://127.0.0.1:3000', {}, { WebSocket });

  // A wrong use of an output.
  const reply = await client.call('authenticate', { token: 't' });
  // @ts-expect-error `authenticate` replies `{ authenticated }`, not `{ message }`
  void reply.message;
  // @ts-expect-error `timestamp` is a number
  const asString: string = (await client.call('sendMessage', { message: 'hi' })).timestamp;
  void asString;
  client.onConnect((welcome) => {
    // @ts-expect-error the connect frame is `{ welcome }`
    void welcome.greeting;
  });

  // A wrong option.
  // @ts-expect-error `restore` is a boolean or `{ key }`
  await client.call('authenticate', { token: 't' }, { restore: 'yes' });
}
