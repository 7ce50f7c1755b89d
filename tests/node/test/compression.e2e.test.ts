// Per-message compression with Node's `ws` (perMessageDeflate on, its default offer
// `permessage-deflate; client_max_window_bits`) against the runtime's raw echo server
// (tests/conformance/autobahn-echo): the server accepts the offer only when compression is on, and a large
// message round-trips intact with far fewer bytes on the TCP socket than it holds.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { after, test } from 'node:test';
import WebSocket from 'ws';
import { freePort } from '../support/chat-server.ts';

const TIMEOUT = { timeout: 30_000 };
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** The raw echo server on a free port, with or without compression; resolves once it is healthy. */
async function echoServer(compression: boolean): Promise<string> {
  const bin = process.env['ECHO_BIN'];
  assert.ok(bin, 'ECHO_BIN must name the autobahn-echo binary (scripts/suites/20-node builds it)');
  const port = await freePort();
  const args = [`127.0.0.1:${port}`, ...(compression ? ['--compression'] : [])];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the echo server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health-check`)).ok) return `ws://127.0.0.1:${port}/`;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('the echo server did not become healthy in 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A large JSON text that deflate shrinks well. */
function largeText(): string {
  const rows = Array.from({ length: 2_000 }, (_, i) => ({ id: i, name: `user-${i % 97}`, online: i % 3 === 0 }));
  return JSON.stringify(rows);
}

interface RoundTrip {
  extensions: string;
  echoed: string;
  /** Bytes the TCP socket read and wrote for the message and its echo (the handshake left out). */
  read: number;
  written: number;
}

async function roundTrip(url: string, text: string): Promise<RoundTrip> {
  const ws = new WebSocket(url, { perMessageDeflate: true });
  let socket: Socket | undefined;
  ws.once('upgrade', (res) => {
    socket = res.socket;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  assert.ok(socket);
  const [read0, written0] = [socket.bytesRead, socket.bytesWritten];
  const echoed = await new Promise<string>((resolve, reject) => {
    ws.once('message', (data, isBinary) => {
      assert.equal(isBinary, false);
      resolve(data.toString());
    });
    ws.once('error', reject);
    ws.send(text);
  });
  const result = { extensions: ws.extensions, echoed, read: socket.bytesRead - read0, written: socket.bytesWritten - written0 };
  ws.close();
  return result;
}

test('ws negotiates permessage-deflate and a large message travels compressed', TIMEOUT, async (t) => {
  const text = largeText();
  const r = await roundTrip(await echoServer(true), text);
  t.diagnostic(`message ${text.length} bytes; socket read ${r.read}, wrote ${r.written}`);
  assert.equal(r.extensions, 'permessage-deflate');
  assert.equal(r.echoed, text, 'the message arrives intact');
  assert.ok(r.read * 4 < text.length, `${r.read} bytes read for ${text.length} bytes of text`);
  assert.ok(r.written * 4 < text.length, `${r.written} bytes written for ${text.length} bytes of text`);
});

test('without compression on the server the same offer is declined and bytes are not saved', TIMEOUT, async () => {
  const text = largeText();
  const r = await roundTrip(await echoServer(false), text);
  assert.equal(r.extensions, '');
  assert.equal(r.echoed, text);
  assert.ok(r.read >= text.length, `${r.read} bytes read for ${text.length} bytes of text`);
});
