// Checks sample frames against the message payloads of an AsyncAPI document, as the official
// parser resolves them: every `valid` frame must match its message's payload schema, no `invalid`
// one may. Usage: node frames.mjs <asyncapi.json> <frames.json>. Exits 1 on any disagreement.
import { readFile } from 'node:fs/promises';
import Ajv from 'ajv';
import { Parser } from '@asyncapi/parser';

const [docFile, framesFile] = process.argv.slice(2);
if (!docFile || !framesFile) {
  console.error('usage: node frames.mjs <asyncapi.json> <frames.json>');
  process.exit(2);
}
const { document } = await new Parser().parse(await readFile(docFile, 'utf8'), { source: docFile });
if (!document) {
  console.error(`${docFile}: not a valid AsyncAPI document (run validate.mjs)`);
  process.exit(1);
}
const frames = JSON.parse(await readFile(framesFile, 'utf8'));
// The payloads use draft-07 with formats such as `uint64` that only describe the Rust type.
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
const messages = new Map(document.allMessages().all().map((m) => [m.id(), m]));
let failures = 0;
let checked = 0;
for (const [id, { valid = [], invalid = [] }] of Object.entries(frames)) {
  if (id.startsWith('$')) continue;
  const message = messages.get(id);
  if (!message) {
    console.log(`${framesFile}: no message \`${id}\` in ${docFile}`);
    failures++;
    continue;
  }
  const check = ajv.compile(message.payload().json());
  for (const [frames, expected] of [[valid, true], [invalid, false]]) {
    for (const frame of frames) {
      checked++;
      if (check(frame) !== expected) {
        failures++;
        const why = expected ? `: ${ajv.errorsText(check.errors)}` : '';
        console.log(`${id}: ${JSON.stringify(frame)} should ${expected ? '' : 'not '}match${why}`);
      }
    }
  }
}
const untested = [...messages.keys()].filter((id) => !(id in frames));
if (untested.length > 0) {
  console.log(`${framesFile}: no frames for ${untested.join(', ')}`);
  failures++;
}
console.log(`${docFile}: ${checked} frames checked against the message payloads, ${failures} failures`);
process.exit(failures > 0 ? 1 : 0);
