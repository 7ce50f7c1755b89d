// A scripted WebSocket for unit tests: the test opens, feeds, drops and inspects each socket the
// client creates.
import type { WebSocketCtor, WebSocketHandler, WebSocketLike } from '../../../codegen-cli/src/ts/client.ts';

export class FakeSocket implements WebSocketLike {
  readyState = 0;
  binaryType = 'blob';
  onopen: WebSocketHandler<unknown> = null;
  onmessage: WebSocketHandler<{ data: unknown }> = null;
  onclose: WebSocketHandler<{ code: number; reason: string }> = null;
  onerror: WebSocketHandler<unknown> = null;
  /** Frames the client sent, parsed. */
  readonly sent: Record<string, unknown>[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;

  constructor(
    readonly url: string,
    readonly protocols: string | string[] | undefined,
  ) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error(`send on a socket in state ${this.readyState}`);
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  /** The server accepted the handshake. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The server sent `frame`. */
  receive(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  /** The connection ended (1006: dropped without a close frame). */
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code, reason });
  }

  /** The last frame sent. */
  last(): Record<string, unknown> {
    const frame = this.sent[this.sent.length - 1];
    if (frame === undefined) throw new Error('nothing was sent');
    return frame;
  }
}

/** A constructor for `options.WebSocket` and the sockets it made, in order. */
export function fakeWebSocket(): { WebSocket: WebSocketCtor; sockets: FakeSocket[]; latest(): FakeSocket } {
  const sockets: FakeSocket[] = [];
  class Ctor extends FakeSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return {
    WebSocket: Ctor,
    sockets,
    latest() {
      const socket = sockets[sockets.length - 1];
      if (socket === undefined) throw new Error('no socket was created');
      return socket;
    },
  };
}
