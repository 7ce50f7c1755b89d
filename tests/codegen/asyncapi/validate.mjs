// Validates AsyncAPI documents with the official parser (@asyncapi/parser, which runs the
// AsyncAPI Spectral rules and resolves every $ref). Usage: node validate.mjs <file.json>...
// Prints every diagnostic; exits 1 if any document has one of severity error.
import { readFile } from 'node:fs/promises';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate.mjs <asyncapi.json>...');
  process.exit(2);
}

const parser = new Parser();
const names = { [DiagnosticSeverity.Error]: 'error', [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'info', [DiagnosticSeverity.Hint]: 'hint' };
let failed = false;
for (const file of files) {
  const text = await readFile(file, 'utf8');
  const { document, diagnostics } = await parser.parse(text, { source: file });
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  for (const d of diagnostics) {
    console.log(`${file}: ${names[d.severity]} ${d.code} at /${d.path.join('/')}: ${d.message}`);
  }
  if (errors.length > 0 || document === undefined) {
    failed = true;
    console.log(`${file}: INVALID (${errors.length} errors)`);
  } else {
    const counts = [DiagnosticSeverity.Warning, DiagnosticSeverity.Information, DiagnosticSeverity.Hint]
      .map((s) => `${diagnostics.filter((d) => d.severity === s).length} ${names[s]}`).join(', ');
    console.log(`${file}: valid AsyncAPI ${document.version()} (${document.channels().length} channels, ` +
      `${document.operations().length} operations; ${counts})`);
  }
}
process.exit(failed ? 1 : 0);
