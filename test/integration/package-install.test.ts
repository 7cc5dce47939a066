/**
 * What the image and the systemd unit run (issue 16): the packed tarball, installed with production
 * dependencies only, started with the exact command line and MXLB_* settings docker/Dockerfile and
 * deploy/mxlb.service give it (paths mapped into a temporary folder, listeners on loopback port 0),
 * answers over DNS, reports its version and commit, passes the image's HEALTHCHECK command and stops
 * cleanly on SIGTERM.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dig } from '../helpers/dig.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { CHECKOUT, packAndInstall, type PackedInstall } from '../helpers/packed-install.ts';
import { eventually } from '../helpers/poll.ts';

const run = promisify(execFile);
let pkg: PackedInstall;

test.before(async () => {
  pkg = await packAndInstall();
});
test.after.always(() => pkg?.cleanup());

/** Dockerfile: ENV pairs, the ENTRYPOINT + CMD exec arrays and the HEALTHCHECK exec array. */
function dockerfile(): { env: Record<string, string>; command: string[]; healthcheck: string[] } {
  const text = readFileSync(join(CHECKOUT, 'docker/Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of runtime.split('\n').filter((l) => l.startsWith('ENV '))) {
    for (const [, key, value] of line.slice(4).matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
  }
  const exec = (keyword: string) => JSON.parse(new RegExp(`^${keyword}\\s+(\\[.*\\])\\s*$`, 'm').exec(runtime)![1]!) as string[];
  return { env, command: [...exec('ENTRYPOINT'), ...exec('CMD')], healthcheck: exec('HEALTHCHECK .*CMD') };
}

/** deploy/mxlb.service: Environment= pairs and ExecStart's words. */
function unit(): { env: Record<string, string>; command: string[] } {
  const text = readFileSync(join(CHECKOUT, 'deploy/mxlb.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const [, key, value] of text.matchAll(/^Environment=(\w+)=(\S+)$/gm)) env[key!] = value!;
  return { env, command: /^ExecStart=(.+)$/m.exec(text)![1]!.trim().split(/\s+/) };
}

/** Maps the production paths into this test's folders: the install prefix, zones and state. */
function localise(words: string[], node: string): string[] {
  return words.map((w) => (w === node ? process.execPath : w.replace('/opt/mxlb', pkg.prefix)));
}

/** The production layout under a temporary root: example zones copied from the installed package, as the image does. */
function layout(name: string): { zones: string; state: string } {
  const zones = join(pkg.root, name, 'etc-mxlb-zones');
  const stateDir = join(pkg.root, name, 'var-lib-mxlb');
  mkdirSync(zones, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  cpSync(join(pkg.prefix, 'node_modules/mxlb/zones'), zones, { recursive: true });
  return { zones, state: join(stateDir, 'state.json') };
}

async function serveAndQuery(t: import('ava').ExecutionContext, command: string[], env: Record<string, string>, name: string): Promise<MxlbProcess> {
  const { zones, state } = layout(name);
  t.is(env.MXLB_ZONES, '/etc/mxlb/zones');
  t.is(env.MXLB_STATE_FILE, '/var/lib/mxlb/state.json');
  const mxlb = await startMxlb([], {
    command,
    env: { ...env, MXLB_ZONES: zones, MXLB_STATE_FILE: state, MXLB_DNS: '127.0.0.1:0', MXLB_HTTP: '127.0.0.1:0', MXLB_LOG_LEVEL: 'debug', MXLB_EHLO_NAME: 'probe.test' },
  });
  t.teardown(() => mxlb.stop());
  const { host, port } = mxlb.dns[0]!;
  const reply = await dig(host, port, ['smtp.relay.example.com', 'A']);
  t.is(reply.status, 'NOERROR');
  t.true(reply.flags.has('aa'));
  t.true(reply.answer.length > 0);
  // The installed package's addon is found from dist/ and answers UDP (the dig above went through it).
  t.truthy(mxlb.logs.find((line) => line.msg === 'answering workers started' && line.udp === 'batched'), 'UDP answered in batches');
  const metrics = await (await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/metrics`)).text();
  t.regex(metrics, new RegExp(`mxlb_build_info\\{[^}]*version="0\\.1\\.0"[^}]*commit="${pkg.commit}"`));
  const dashboard = await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/`);
  t.is(dashboard.status, 200, 'the dashboard page is served from the installed package');
  t.regex(await dashboard.text(), /<html/i);
  // The dashboard's chart library is found in the installed package's node_modules, not only in a checkout.
  const uplot = await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/uPlot.iife.min.js`);
  t.is(uplot.status, 200);
  t.regex(await uplot.text(), /^\/\*! https:\/\/github\.com\/leeoniya\/uPlot/);
  t.is((await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/deliverability.js`)).status, 200);
  t.is(await mxlb.stop(), 0, 'SIGTERM ends it with exit code 0');
  t.true(existsSync(state), 'the state file was written on the way out');
  return mxlb;
}

test('the tarball holds compiled JavaScript, bin, example zones, docs, deploy files and the dashboard; no sources or tests', async (t) => {
  const { stdout } = await run('tar', ['-tzf', pkg.tarball]);
  const files = stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  for (const want of ['bin/mxlb.js', 'dist/cli/main.js', 'dist/build-info.json', 'dist/http/dashboard/index.html', 'dist/http/dashboard/deliverability.js', 'zones/relay.example.com.zone', 'docs/install.md', 'deploy/mxlb.service', 'docker/Dockerfile', 'README.md']) {
    t.true(files.includes(want), want);
  }
  t.false(files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.ts')));
  // The batched-UDP addon travels as source and is compiled where the package is installed.
  for (const want of ['native/udp-batch.c', 'scripts/build-native.mjs']) t.true(files.includes(want), want);
  t.false(files.some((f) => f.endsWith('.node')), 'no prebuilt binary in the tarball');
});

test('installs with production dependencies only: no tsx, TypeScript or test tools; --version names the commit', async (t) => {
  const modules = readdirSync(join(pkg.prefix, 'node_modules'));
  t.true(modules.includes('mxlb'));
  for (const dev of ['tsx', 'typescript', 'ava', 'esbuild', 'smtp-server', 'dependency-cruiser']) t.false(modules.includes(dev), dev);
  const { stdout } = await run(join(pkg.prefix, 'node_modules/.bin/mxlb'), ['--version']);
  t.is(stdout.trim(), `0.1.0 (commit ${pkg.commit})`);
  // The install script built the batched-UDP addon with this machine's compiler (CI installs gcc).
  t.true(existsSync(join(pkg.prefix, 'node_modules/mxlb/native/build/mxlb-udp.node')), 'native/build/mxlb-udp.node built at install');
});

test("the Dockerfile's command line and environment serve DNS from the installed package; its HEALTHCHECK passes", async (t) => {
  const docker = dockerfile();
  t.deepEqual(docker.command, ['node', '/opt/mxlb/node_modules/mxlb/bin/mxlb.js', 'serve']);
  const { zones, state } = layout('docker-health');
  const mxlb = await startMxlb([], {
    command: localise(docker.command, 'node'),
    env: { ...docker.env, MXLB_ZONES: zones, MXLB_STATE_FILE: state, MXLB_DNS: '127.0.0.1:0', MXLB_HTTP: '127.0.0.1:0', MXLB_EHLO_NAME: 'probe.test' },
  });
  t.teardown(() => mxlb.stop());
  // The HEALTHCHECK command as written, pointed at this instance's port instead of 8053.
  const check = localise(docker.healthcheck, 'node').map((w) => w.replace('127.0.0.1:8053', `${mxlb.http.host}:${mxlb.http.port}`));
  await eventually(() => run(check[0]!, check.slice(1), { timeout: 5000 }).then(() => true), { timeoutMs: 20_000, intervalMs: 200, what: 'HEALTHCHECK exits 0' });
  await mxlb.stop();
  await serveAndQuery(t, localise(docker.command, 'node'), docker.env, 'docker');
});

test("the systemd unit's ExecStart and Environment serve DNS from the installed package", async (t) => {
  const service = unit();
  t.deepEqual(service.command, ['/usr/bin/node', '/opt/mxlb/node_modules/mxlb/bin/mxlb.js', 'serve']);
  await serveAndQuery(t, localise(service.command, '/usr/bin/node'), service.env, 'systemd');
});
