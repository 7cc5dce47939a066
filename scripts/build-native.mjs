#!/usr/bin/env node
// `npm run build:native`, and the package's `install` script (so `npm ci` and an install of the
// packed tarball build it): compiles native/udp-batch.c, the batched-UDP addon
// (src/dns/native-udp.ts, docs/decisions.md "Batched UDP"), into native/build/mxlb-udp.node with
// the system C compiler and the running Node's own headers (N-API 8: one build loads in every
// Node >= 20). No node-gyp: it would fetch headers from the network; Node's release tarballs and
// packages already ship them in <prefix>/include/node.
// Without a compiler, headers or Linux it prints why and exits 0: mxlb then answers UDP through
// node:dgram. `--strict` exits 1 instead (CI: the tests of the addon must not be left without it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('../', import.meta.url)));
const source = path.join(root, 'native', 'udp-batch.c');
const out = path.join(root, 'native', 'build', 'mxlb-udp.node');
const strict = process.argv.includes('--strict');

function giveUp(reason) {
  process.stdout.write(`mxlb: batched UDP addon not built (${reason}); mxlb answers UDP through node:dgram\n`);
  process.exit(strict ? 1 : 0);
}

if (process.env.MXLB_NATIVE_UDP === '0') giveUp('MXLB_NATIVE_UDP=0');
if (process.platform !== 'linux') giveUp(`recvmmsg/sendmmsg are Linux only, this is ${process.platform}`);
if (!existsSync(source)) giveUp(`${source} is missing`);
const candidates = [
  process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
  path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter(Boolean);
const headers = candidates.find((dir) => existsSync(path.join(dir, 'node_api.h')) && existsSync(path.join(dir, 'uv.h')));
if (!headers) giveUp(`no Node headers (node_api.h, uv.h) in ${candidates.join(', ')}`);
const compiler = process.env.CC || 'cc';
mkdirSync(path.dirname(out), { recursive: true });
const partial = `${out}.${process.pid}.tmp`;
try {
  // -fvisibility=hidden: only the module's registration is exported; N-API and libuv symbols
  // resolve against the running node binary at load time.
  execFileSync(compiler, ['-O2', '-std=gnu11', '-Wall', '-fPIC', '-shared', '-fvisibility=hidden', `-I${headers}`, '-o', partial, source], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(partial, out);
} catch (error) {
  rmSync(partial, { force: true });
  const detail = error.code === 'ENOENT' ? `no C compiler (${compiler}); on Debian: apt-get install gcc libc6-dev` : String(error.stderr ?? error.message).trim().split('\n').slice(0, 3).join(' | ');
  giveUp(detail);
}
process.stdout.write(`mxlb: built ${path.relative(root, out)} (batched UDP: recvmmsg/sendmmsg, SO_REUSEPORT)\n`);
