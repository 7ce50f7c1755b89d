// A TCP proxy in front of a server, for tests that cut a client's connection without touching the
// server: `cut()` drops every connection through it and refuses new ones until `resume()`.
import { connect, createServer, type Socket } from 'node:net';
import { once } from 'node:events';

export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  #refusing = false;
  readonly #server = createServer((client) => {
    if (this.#refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(socket);
      socket.pipe(other);
      // Either side ending (or failing) ends the other.
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        other.destroy();
      });
    }
  });

  private constructor(readonly targetPort: number) {}

  /** A proxy on a free loopback port to `127.0.0.1:targetPort`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    proxy.#server.listen(0, '127.0.0.1');
    await once(proxy.#server, 'listening');
    return proxy;
  }

  /** The base URL clients connect to through the proxy. */
  get url(): string {
    const address = this.#server.address();
    if (typeof address !== 'object' || address === null) throw new Error('the proxy is not listening');
    return `ws://127.0.0.1:${address.port}`;
  }

  /** Drops every connection at once (no close frame: like a network failure) and refuses new ones. */
  cut(): void {
    this.#refusing = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Lets connections through again. */
  resume(): void {
    this.#refusing = false;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    this.cut();
    this.#server.close();
    await once(this.#server, 'close');
  }
}
