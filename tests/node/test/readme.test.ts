// The README's client example is the file types/readme-client.types.ts type-checks, line for line.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

/** The repository's root: the nearest folder up from here with Cargo.lock (tests run compiled). */
function repoRoot(): URL {
  let dir = new URL('./', import.meta.url);
  while (!existsSync(new URL('Cargo.lock', dir))) {
    const up = new URL('../', dir);
    if (up.href === dir.href) throw new Error('no Cargo.lock above the tests');
    dir = up;
  }
  return dir;
}

const root = repoRoot();

test('the README client example is the one that is type-checked', () => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const section = readme.split('## TypeScript client')[1];
  assert.ok(section !== undefined, 'README.md has a "TypeScript client" section');
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block !== undefined, 'the section has a ts code block');
  const checked = readFileSync(new URL('tests/node/types/readme-client.types.ts', root), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('// The client example of README.md') && line !== 'declare function getToken(): Promise<string>;')
    .join('\n')
    .replace('../../../examples/chat/web/chat-client.ts', './chat-client.ts')
    .replace(/^\n+/, '')
    .replace(/\n\n\n/, '\n\n');
  assert.equal(checked, block);
});
