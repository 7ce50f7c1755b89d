// Per-message compression with a real browser (Debian's Chromium, driven by playwright-core)
// against the runtime's raw echo server with compression on (tests/conformance/autobahn-echo
// --compression). Chromium's WebSocket offers `permessage-deflate; client_max_window_bits`; the
// test checks that the server accepted it (`ws.extensions`), that a large message round-trips
// intact, and, through a byte-counting TCP relay in front of the server, that the bytes the server
// read and wrote on that connection are far fewer than the message holds.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { freePort } from './free-port.mjs';

const CHROMIUM = '/usr/bin/chromium';
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** The raw echo server with compression on; resolves with its port once it is healthy. */
async function echoServer() {
  const bin = process.env.ECHO_BIN;
  assert.ok(bin, 'ECHO_BIN must name the autobahn-echo binary (scripts/suites/30-browser builds it)');
  const port = await freePort();
  const child = spawn(bin, [`127.0.0.1:${port}`, '--compression'], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the echo server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health-check`)).ok) return port;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error('the echo server did not become healthy in 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A TCP relay to `target` that counts, per connection, the bytes the server read (`toServer`)
 * and wrote (`toClient`).
 */
function countingRelay(target) {
  const connections = [];
  const server = createServer((client) => {
    const counts = { toServer: 0, toClient: 0 };
    connections.push(counts);
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    client.on('data', (chunk) => (counts.toServer += chunk.length));
    upstream.on('data', (chunk) => (counts.toClient += chunk.length));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port, connections }));
  });
}

let browser;
let relay;

before(async () => {
  relay = await countingRelay(await echoServer());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  relay?.server.close();
  for (const child of children) child.kill('SIGKILL');
});

test('Chromium negotiates permessage-deflate and a large message travels compressed', { timeout: 60_000 }, async (t) => {
  const page = await browser.newPage();
  const url = `ws://127.0.0.1:${relay.port}/`;
  const result = await page.evaluate(async (url) => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `user-${i % 97}`, online: i % 3 === 0 }));
    const text = JSON.stringify(rows);
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error('the WebSocket failed'));
    });
    const echoed = await new Promise((resolve) => {
      ws.onmessage = (event) => resolve(event.data);
      ws.send(text);
    });
    const extensions = ws.extensions;
    await new Promise((resolve) => {
      ws.onclose = resolve;
      ws.close(1000);
    });
    return { extensions, length: text.length, intact: echoed === text };
  }, url);
  await page.close();

  assert.match(result.extensions, /^permessage-deflate/);
  assert.ok(result.intact, 'the echo equals the message');
  assert.equal(relay.connections.length, 1);
  const [counts] = relay.connections;
  t.diagnostic(`message ${result.length} bytes; the server read ${counts.toServer} and wrote ${counts.toClient}`);
  // Handshake and close included: still a fraction of the message each way.
  assert.ok(counts.toServer * 4 < result.length, `the server read ${counts.toServer} bytes for ${result.length}`);
  assert.ok(counts.toClient * 4 < result.length, `the server wrote ${counts.toClient} bytes for ${result.length}`);
});
