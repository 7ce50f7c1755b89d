// The chat example's page in a real browser (Debian's Chromium, driven by playwright-core): two
// people join a room, chat, see the connection drop while the server restarts (and are told that
// the messages of that time could not be recovered: the restart lost the room's history), and
// keep chatting after it is back, then enter a second room and switch between the two; a third
// joins later and sees the room's recent messages. Screenshots go to target/browser/ (chat.png,
// chat-join.png, chat-reconnecting.png, chat-rooms.png, chat-recent.png).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { freePort } from './free-port.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const shots = join(root, 'target/browser');
const CHROMIUM = '/usr/bin/chromium';
// The example's built-in development secret: the page's "Use the demo token" needs it.
const DEV_SECRET = 'dev-secret';

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function signToken(sub, name) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub, name, exp })}`;
  return `${unsigned}.${createHmac('sha256', DEV_SECRET).update(unsigned).digest('base64url')}`;
}

/** The chat example's binary on `port`; `kill()` and `start()` again reuse the port. */
function chatServer(port) {
  const bin = process.env.CHAT_BIN;
  assert.ok(bin, 'CHAT_BIN must name the chat example binary (scripts/suites/30-browser builds it)');
  let child;
  let log = '';
  return {
    url: `http://127.0.0.1:${port}/`,
    async start() {
      const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), RUST_LOG: 'warn' };
      delete env.CHAT_JWT_SECRET;
      child = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      const running = child;
      running.once('exit', () => children.delete(running));
      for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
      const deadline = Date.now() + 20_000;
      for (;;) {
        if (running.exitCode !== null) throw new Error(`the chat server exited:\n${log}`);
        try {
          if ((await fetch(`http://127.0.0.1:${port}/health-check`)).ok) return;
        } catch {
          // Not listening yet.
        }
        if (Date.now() > deadline) throw new Error(`the chat server did not start in 20 s:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
}

let server;
let context;
let profile;
const pageErrors = [];

before(async () => {
  server = chatServer(await freePort());
  await server.start();
  profile = mkdtempSync(join(tmpdir(), 'wirechan-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 900, height: 760 },
  });
  context.setDefaultTimeout(15_000);
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await context?.close();
  await server?.kill();
  if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
});

async function openPage() {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error));
  await page.goto(`${server.url}?room=browsers`);
  return page;
}

async function send(page, text) {
  await page.fill('#message', text);
  await page.press('#message', 'Enter');
}

/** Waits for a message bubble from someone else with `text`, and returns its meta line. */
async function received(page, text) {
  const bubble = page.locator('.msg.theirs', { has: page.locator('.body', { hasText: text }) });
  await bubble.waitFor();
  return bubble.locator('.meta').innerText();
}

test('two people chat in the page, through a server restart', { timeout: 120_000 }, async () => {
  // Alice pastes her own token.
  const alice = await openPage();
  assert.equal(await alice.inputValue('#room'), 'browsers');
  await alice.fill('#token', signToken('alice', 'Alice'));
  await alice.click('#join-button');
  await alice.locator('#chat').waitFor();
  await alice.locator('#status[data-state="open"]').waitFor();
  assert.equal(await alice.innerText('#status-text'), 'Online');
  assert.equal(await alice.innerText('#me'), 'Alice');
  await alice.locator('.system', { hasText: 'Welcome to browsers!' }).waitFor();

  // The second person uses the demo token the development server offers.
  const demo = await openPage();
  await demo.locator('#demo-token').waitFor();
  await demo.click('#demo-token');
  // The button fetches /demo-token, then fills the field.
  await demo.waitForFunction(() => document.querySelector('#token').value !== '');
  assert.match(await demo.inputValue('#token'), /^[\w-]+\.[\w-]+\.[\w-]+$/);
  await demo.screenshot({ path: join(shots, 'chat-join.png') });
  await demo.click('#join-button');
  await demo.locator('#status[data-state="open"]').waitFor();
  assert.equal(await demo.innerText('#me'), 'Demo User');

  await send(demo, 'Hello from the demo user!');
  assert.match(await received(alice, 'Hello from the demo user!'), /^Demo User · \d\d:\d\d/);
  await send(alice, 'Hi! Alice here, typing in another tab.');
  assert.match(await received(demo, 'Hi! Alice here, typing in another tab.'), /^Alice · \d\d:\d\d/);
  // The sender sees her own message confirmed with the server's time, not sent back to her.
  const mine = alice.locator('.msg.mine', { has: alice.locator('.body', { hasText: 'Alice here' }) });
  await mine.locator('.meta', { hasText: /^Alice · \d\d:\d\d/ }).waitFor();
  assert.equal(await alice.locator('.msg.theirs', { hasText: 'Alice here' }).count(), 0);

  // A message the server rejects is shown as not sent, with the server's reason.
  await demo.evaluate(() => document.querySelector('#message').removeAttribute('maxlength'));
  await send(demo, 'x'.repeat(2001));
  await demo.locator('.msg.failed .meta', { hasText: 'must be at most 2000 characters (invalid_input)' }).waitFor();

  // The server goes away: both pages say so, and a message written now waits.
  await server.kill();
  await alice.locator('#status[data-state="reconnecting"]').waitFor();
  await demo.locator('#status[data-state="reconnecting"]').waitFor();
  assert.match(await alice.innerText('#status-text'), /^Reconnecting… \(attempt \d+\)$/);
  assert.match(await alice.innerText('#banner'), /Connection lost\. Reconnecting/);
  await send(alice, 'Written while the server was down.');
  const waiting = alice.locator('.msg.mine.pending', { hasText: 'Written while the server was down.' });
  await waiting.waitFor();
  await alice.screenshot({ path: join(shots, 'chat-reconnecting.png') });

  // It comes back: both pages reconnect and sign in again by themselves, the waiting message goes out.
  await server.start();
  await alice.locator('#status[data-state="open"]').waitFor({ timeout: 30_000 });
  await demo.locator('#status[data-state="open"]').waitFor({ timeout: 30_000 });
  assert.equal(await alice.locator('#banner').isVisible(), false);
  await alice.locator('.msg.mine:not(.pending):not(.failed)', { hasText: 'Written while the server was down.' }).waitFor();
  await alice.locator('.system', { hasText: 'Reconnected to #browsers.' }).waitFor();
  // The restart lost the room's history: each page says some messages could not be recovered.
  const gap = 'Some messages sent while you were away could not be recovered.';
  await alice.locator('.system', { hasText: gap }).waitFor();
  await demo.locator('.system', { hasText: gap }).waitFor();

  await send(demo, 'Back online, still signed in.');
  assert.match(await received(alice, 'Back online, still signed in.'), /^Demo User · /);
  await send(alice, 'Great, the client restored our sessions.');
  await received(demo, 'Great, the client restored our sessions.');
  await alice.locator('.msg.mine:not(.pending)', { hasText: 'Great, the client restored our sessions.' }).waitFor();
  await alice.screenshot({ path: join(shots, 'chat.png') });

  // A second room: both enter it through a client subscription (typed events), then switch
  // between rooms; messages go to the room shown, and the other room's tab counts what arrived.
  for (const page of [alice, demo]) {
    await page.fill('#enter-room', 'side');
    await page.press('#enter-room', 'Enter');
    await page.locator('.system', { hasText: 'You entered #side.' }).waitFor();
    await page.locator('.room-tab[data-room="side"][aria-current="true"]').waitFor();
    assert.equal(await page.innerText('#room-title'), '#side');
  }
  await send(demo, 'Only in the side room.');
  assert.match(await received(alice, 'Only in the side room.'), /^Demo User · /);
  await alice.click('.room-tab[data-room="browsers"]');
  await alice.locator('.room-tab[data-room="browsers"][aria-current="true"]').waitFor();
  assert.equal(await alice.locator('.msg', { hasText: 'Only in the side room.' }).count(), 0);
  await send(demo, 'Still in the side room.');
  await alice.locator('.room-tab[data-room="side"] .unread', { hasText: '1' }).waitFor();
  await send(alice, 'Back in the first room.');
  await demo.locator('.room-tab[data-room="browsers"] .unread', { hasText: '1' }).waitFor();
  await alice.click('.room-tab[data-room="side"]');
  await received(alice, 'Still in the side room.');
  await demo.click('.room-tab[data-room="browsers"]');
  await received(demo, 'Back in the first room.');
  // A room the authorization refuses (a name over 64 characters) is not entered.
  await alice.evaluate(() => document.querySelector('#enter-room').removeAttribute('maxlength'));
  await alice.fill('#enter-room', 'r'.repeat(65));
  await alice.press('#enter-room', 'Enter');
  await alice.locator('.system.bad', { hasText: 'must have 1 to 64 characters (invalid_input)' }).waitFor();
  assert.equal(await alice.locator('.room-tab').count(), 2);
  await alice.screenshot({ path: join(shots, 'chat-rooms.png') });

  // Carol joins later: the room's recent messages are shown (those since the restart), in order.
  const carol = await openPage();
  await carol.fill('#token', signToken('carol', 'Carol'));
  await carol.click('#join-button');
  await carol.locator('#status[data-state="open"]').waitFor();
  await received(carol, 'Back in the first room.');
  const bodies = await carol.locator('.msg .body').allInnerTexts();
  assert.deepEqual(bodies, [
    'Written while the server was down.',
    'Back online, still signed in.',
    'Great, the client restored our sessions.',
    'Back in the first room.',
  ]);
  assert.match(await received(carol, 'Back online, still signed in.'), /^Demo User · \d\d:\d\d/);
  await carol.screenshot({ path: join(shots, 'chat-recent.png') });

  assert.deepEqual(pageErrors.map(String), []);
});
