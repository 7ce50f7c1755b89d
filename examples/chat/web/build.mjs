// Bundles app.ts (and the generated chat-client.ts it imports) into dist/app.js, the script the
// chat example serves at /app.js. dist/app.js is checked in so that `cargo run -p example-chat`
// needs no npm; `node build.mjs --check` fails when it is not what the sources build to.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = `${here}dist/app.js`;
const check = process.argv.includes('--check');

const result = await build({
  entryPoints: [`${here}app.ts`],
  bundle: true,
  format: 'iife',
  target: 'es2022',
  charset: 'utf8',
  legalComments: 'none',
  banner: { js: '// Built from examples/chat/web/app.ts and chat-client.ts by `npm run build` (esbuild). Do not edit.' },
  write: false,
  logLevel: 'warning',
});
const built = result.outputFiles[0].text;

if (check) {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // Missing: reported as stale below.
  }
  if (current !== built) {
    console.error('examples/chat/web/dist/app.js is stale: run `npm --prefix examples/chat/web run build` and commit it');
    process.exit(1);
  }
  console.log('examples/chat/web/dist/app.js is up to date');
} else {
  writeFileSync(out, built);
  console.log(`wrote ${out} (${built.length} bytes)`);
}
