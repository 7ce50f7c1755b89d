// Compiles the TypeScript tests to ESM JavaScript in target/test/ (type checking is `tsc`'s job).
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const entries = readdirSync(`${here}test`)
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => `${here}test/${name}`);

rmSync(`${here}target/test`, { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir: `${here}target/test`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
