// Server memory per connection with and without per-message compression (docs/BENCHMARKS.md,
// "Compression"). Starts the raw echo server (tests/conformance/autobahn-echo) once per scenario, opens
// CONNS connections with Node's `ws`, has each send one 2 KB JSON message and read its echo (so
// that the deflate state a connection keeps is allocated), holds them, and reports the growth of
// the server's VmRSS per connection. Loopback only; ends by itself.
//
// Usage (from the repository root, after `cargo build --release -p autobahn-echo` and
// `scripts/ensure/node-packages`):
//   node tests/node/bench/compression-memory.mjs target/release/autobahn-echo [CONNS]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

import { freePort } from '../../browser/free-port.mjs';

const [bin, connsArg] = process.argv.slice(2);
if (bin === undefined) {
  console.error('usage: compression-memory.mjs ECHO_BIN [CONNS]');
  process.exit(2);
}
const CONNS = Number(connsArg ?? 1000);
const PARALLEL = 50;
const MESSAGE = JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ id: i, name: `user-${i}`, online: true })));

const SCENARIOS = [
  { name: 'compression off', serverArgs: [], deflate: false, exchange: true },
  { name: 'compression on, offered, no message yet', serverArgs: ['--compression'], deflate: true, exchange: false },
  { name: 'compression on, context takeover (default)', serverArgs: ['--compression'], deflate: true, exchange: true },
  {
    name: 'compression on, context takeover, 1 KiB windows (the client asks for them)',
    serverArgs: ['--compression'],
    deflate: { serverMaxWindowBits: 10, clientMaxWindowBits: 10 },
    exchange: true,
  },
  {
    name: 'compression on, no context takeover',
    serverArgs: ['--compression'],
    deflate: { serverNoContextTakeover: true, clientNoContextTakeover: true },
    exchange: true,
  },
];

function rssKib(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function open(url, deflate, exchange) {
  const ws = new WebSocket(url, { perMessageDeflate: deflate });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  if (exchange) {
    await new Promise((resolve) => {
      ws.once('message', resolve);
      ws.send(MESSAGE);
    });
  }
  return ws;
}

async function scenario({ name, serverArgs, deflate, exchange }) {
  const port = await freePort();
  const child = spawn(bin, [`127.0.0.1:${port}`, ...serverArgs], { stdio: 'ignore' });
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health-check`)).ok) break;
      } catch {
        if (i > 400) throw new Error('the echo server did not start');
        await sleep(50);
      }
    }
    const url = `ws://127.0.0.1:${port}/`;
    // One connection first, so what is allocated once is in the baseline.
    const held = [await open(url, deflate, exchange)];
    await sleep(300);
    const before = rssKib(child.pid);
    for (let i = 1; i <= CONNS; i += PARALLEL) {
      const batch = Array.from({ length: Math.min(PARALLEL, CONNS - i + 1) }, () => open(url, deflate, exchange));
      held.push(...(await Promise.all(batch)));
    }
    await sleep(1000);
    const after = rssKib(child.pid);
    const negotiated = held[0].extensions || 'none';
    console.log(
      `${name}: ${CONNS} connections, extensions "${negotiated}": RSS ${before} -> ${after} KiB, ` +
        `${((after - before) / CONNS).toFixed(1)} KiB per connection`,
    );
    for (const ws of held) ws.terminate();
  } finally {
    child.kill('SIGKILL');
  }
}

for (const s of SCENARIOS) await scenario(s);
