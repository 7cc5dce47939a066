#!/usr/bin/env node
// Runs ava with the TAP reporter, passes its output through, and ends with the line
// `N passed, N failed` counted from the TAP test points (ava prints no such line itself).
// Skipped and todo tests are counted separately and never as passed.
// Tests that never ran because a `before` hook failed count as failed: ava reports the hook as one
// `not ok` point and counts the tests it left unrun in its `# fail N` footer, so failed is the
// larger of the two counts.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const args = ['ava', '--tap', ...process.argv.slice(2)];
const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'inherit'] });
let passed = 0;
let failed = 0;
let skipped = 0;
let avaFailed = 0;
const lines = createInterface({ input: child.stdout });
lines.on('line', (line) => {
  process.stdout.write(line + '\n');
  const footer = /^# fail (\d+)\s*$/.exec(line);
  if (footer) avaFailed = Math.max(avaFailed, Number(footer[1]));
  const point = /^(not ok|ok)\s+\d+\b(.*)$/.exec(line);
  if (!point) return;
  const directive = point[2] ?? '';
  if (/#\s*(SKIP|TODO)\b/i.test(directive)) skipped += 1;
  else if (point[1] === 'ok') passed += 1;
  else failed += 1;
});
child.on('close', (code) => {
  lines.close();
  failed = Math.max(failed, avaFailed);
  if (code !== 0 && failed === 0) failed = 1; // a crash outside any test still fails the run
  const tail = skipped > 0 ? `, ${skipped} skipped` : '';
  process.stdout.write(`${passed} passed, ${failed} failed${tail}\n`);
  process.exitCode = failed > 0 || code !== 0 ? 1 : 0;
});
