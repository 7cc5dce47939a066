/**
 * The production bundle (scripts/bundle.mjs): the answering worker's file holds only what
 * answering needs, `mxlb serve` reaches no Redis client or zone-editing code through static
 * imports, and files found next to the code keep the paths tsc's output gave them.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundle } from '../../../scripts/bundle.mjs';

interface Output {
  bytes: number;
  entryPoint?: string;
  inputs: Record<string, unknown>;
  imports: { path: string; kind: string; external?: boolean }[];
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
let dist = '';
let outputs: Map<string, Output>;

test.before(async () => {
  dist = mkdtempSync(join(tmpdir(), 'mxlb-bundle-'));
  const meta = (await bundle(ROOT, dist)) as Record<string, Output>;
  outputs = new Map(Object.entries(meta).map(([file, output]) => [basename(file), output]));
});
test.after.always(() => rmSync(dist, { recursive: true, force: true }));

/** Every output a file loads through static imports (itself included). */
function staticClosure(file: string): Set<string> {
  const seen = new Set<string>();
  const queue = [file];
  while (queue.length > 0) {
    const next = queue.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    for (const i of outputs.get(next)!.imports) if (i.kind === 'import-statement' && !i.external) queue.push(basename(i.path));
  }
  return seen;
}
const inputsOf = (files: Iterable<string>) => [...files].flatMap((f) => Object.keys(outputs.get(f)!.inputs));

test('the worker is one file without Redis, YAML or the CLI', (t) => {
  const worker = outputs.get('worker.js')!;
  t.deepEqual([...staticClosure('worker.js')], ['worker.js']);
  const inputs = Object.keys(worker.inputs);
  t.true(inputs.some((i) => i.endsWith('src/dns/resolve.ts')));
  t.false(inputs.some((i) => /node_modules\/(ioredis|yaml|yargs|prom-client)\//.test(i)), inputs.filter((i) => i.includes('node_modules')).join(', '));
  t.true(worker.bytes < 400_000, `${worker.bytes} bytes`);
});

test('serve reaches no Redis client and no zone-editing command through static imports', (t) => {
  const serve = [...outputs].find(([, o]) => o.entryPoint?.endsWith('src/main.ts'))![0];
  const inputs = inputsOf(new Set([...staticClosure('mxlb.js'), ...staticClosure(serve)]));
  t.true(inputs.some((i) => i.endsWith('src/dns/worker-source.ts')));
  t.false(inputs.some((i) => /node_modules\/ioredis\/|src\/cli\/zone-/.test(i)));
});

test('import.meta.url keeps the compiled layout; the old entry files point at the bundles', (t) => {
  const text = [...outputs.keys()].filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dist, f), 'utf8')).join('\n');
  t.true(text.includes('new URL("./http/routes-dashboard.js", import.meta.url)'));
  t.true(text.includes('new URL("./version.js", import.meta.url)'));
  t.is(readFileSync(join(dist, 'cli/main.js'), 'utf8'), "import '../mxlb.js';\n");
  t.is(readFileSync(join(dist, 'dns/worker-main.js'), 'utf8'), "import '../worker.js';\n");
});
