// Runs the chat example's binary for end-to-end tests: on a free loopback port, killable and
// restartable on the same port. Every process started here is killed when the test process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The secret the test servers sign tokens with. */
export const JWT_SECRET = 'node-test-secret';

/** An HS256 JWT with claims `sub`, `name` and `exp` (`lifetimeS` from now), as the chat example verifies them. */
export function signToken(sub: string, name: string, { secret = JWT_SECRET, lifetimeS = 3600 } = {}): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + lifetimeS;
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub, name, exp })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function binary(): string {
  const bin = process.env['CHAT_BIN'];
  if (bin === undefined || bin === '') {
    throw new Error('CHAT_BIN must name the chat example binary (run the suite with scripts/suites/20-node, which builds it)');
  }
  return bin;
}

/** One chat example process at a time, on one port. */
export class ChatServer {
  readonly port: number;
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(port: number) {
    this.port = port;
  }

  /** Starts the server on a free port and waits until it answers its health check. */
  static async start(): Promise<ChatServer> {
    const server = new ChatServer(await freePort());
    await server.restart();
    return server;
  }

  /** The base URL clients connect to. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Starts the process again (on the same port) and waits until it is healthy. */
  async restart(): Promise<void> {
    if (this.#child !== undefined) throw new Error('the chat server is already running');
    const child = spawn(binary(), [], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(this.port), CHAT_JWT_SECRET: JWT_SECRET, RUST_LOG: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    this.#child = child;
    const keep = (chunk: Buffer) => {
      this.#log = (this.#log + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => running.delete(child));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the chat server exited with ${child.exitCode}:\n${this.#log}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/health-check`);
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`the chat server did not become healthy in 20 s:\n${this.#log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Kills the process at once (SIGKILL: no close frames, like a crash) and waits for its end. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
