import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dig } from '../helpers/dig.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { BIN, startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { startRedis, type RedisServer } from '../helpers/redis.ts';
import { Redis } from 'ioredis';
import { editZoneFile } from '../../src/cli/zone-edit-file.ts';
import { diffZones } from '../../src/cli/zone-diff.ts';
import { pullZones } from '../../src/cli/zone-pull.ts';
import { pushZones } from '../../src/cli/zone-push.ts';
import { publishZone, zoneKeys } from '../../src/zone/published/redis-zones.ts';
import { RedisZoneFollower } from '../../src/zone/published/redis-follower.ts';
import { silentLogger } from '../../src/log.ts';
import { existsSync, readdirSync } from 'node:fs';

/**
 * Shared zones end to end: `mxlb zone push|pull|diff` (real processes) against a real redis-server,
 * and real `mxlb serve --zones redis` instances answering with members whose real MTAs pass the
 * probe. Each test has its own key prefix on one Redis.
 */
const cleanups: Array<() => unknown> = [];
let redis: RedisServer;

test.before(async () => {
  redis = await startRedis();
  cleanups.push(() => redis.close());
});

test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // keep cleaning up
    }
  }
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mxlb-${name}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function zoneText(members: Mta[], serial = 1): string {
  return [
    '# Shared relay zone.',
    'records: |',
    `  @   60 IN SOA ns1 hostmaster ${serial} 60 60 60 5`,
    '  @   60 IN NS  ns1',
    '  ns1 60 IN A   127.0.0.1',
    'probe:',
    '  interval: 200ms',
    'pools:',
    '  primary:',
    '    members:',
    ...members.flatMap((m, i) => [`      - name: mta${i + 1}`, `        address: ${m.host}`, `        port: ${m.port}`]),
    'names:',
    '  smtp:',
    '    tiers: [primary]',
    '',
  ].join('\n');
}

async function answers(server: MxlbProcess): Promise<string> {
  const result = await dig(server.dns[0]!.host, server.dns[0]!.port, ['smtp.relay.test', 'A', '+norecurse']);
  return result.answer.map((r) => r[4]!).sort().join(',');
}

async function sharedServer(prefix: string, url = redis.url): Promise<{ server: MxlbProcess; cache: string }> {
  const cache = tempDir('zones-cache');
  const server = await startMxlb(['--zones', 'redis', '--redis', url, '--redis-prefix', prefix, '--zones-cache', cache, '--state-file', ''], { timeoutMs: 60_000 });
  cleanups.push(() => server.stop());
  return { server, cache };
}

async function mtas(...hosts: string[]): Promise<Mta[]> {
  const started = await Promise.all(hosts.map((host) => startMta({ host })));
  cleanups.push(() => Promise.all(started.map((m) => m.stop())));
  return started;
}

test.serial('an invalid zone is never published; a zone clashing with a published one neither', async (t) => {
  const prefix = 'invalid:';
  const dir = tempDir('zones');
  const bad = zoneText([{ host: '192.0.2.300', port: 25 } as Mta]);
  writeFileSync(join(dir, 'relay.test.yaml'), bad);
  const line = bad.split('\n').indexOf('        address: 192.0.2.300') + 1;
  const push = await cli(['zone', 'push', dir, '--redis', redis.url, '--redis-prefix', prefix]);
  t.is(push.code, 1);
  t.true(push.stderr.includes(`relay.test.yaml:${line}: bad address "192.0.2.300"`), push.stderr);
  t.regex(push.stderr, /nothing published/);
  t.is(await redis.cli('--scan', '--pattern', `${prefix}*`), '');

  // A valid zone whose pool name is already used by a published zone would not load on followers.
  const [mta] = await mtas('127.0.0.51');
  const other = tempDir('zones');
  writeFileSync(join(other, 'other.test.yaml'), zoneText([mta!]).replace('ns1 60 IN A   127.0.0.1', 'ns1 60 IN A   127.0.0.2'));
  t.is((await cli(['zone', 'push', other, '--redis', redis.url, '--redis-prefix', prefix])).code, 0);
  writeFileSync(join(dir, 'relay.test.yaml'), zoneText([mta!]));
  const clash = await cli(['zone', 'push', join(dir, 'relay.test.yaml'), '--redis', redis.url, '--redis-prefix', prefix]);
  t.is(clash.code, 1, clash.stdout);
  t.regex(clash.stderr, /pool primary is already defined in redis:other\.test/);
  t.is(await redis.cli('exists', `${prefix}zone:relay.test`), '0');

  const unreachable = await cli(['zone', 'push', dir, '--redis', 'redis://127.0.0.1:1']);
  t.is(unreachable.code, 3);
  t.regex(unreachable.stderr, /ECONNREFUSED/);
});

test.serial('push reaches two --zones redis servers; a pushed member edit is answered by both', async (t) => {
  const prefix = 'two:';
  const [mta1, mta2] = await mtas('127.0.0.61', '127.0.0.62');
  const dir = tempDir('zones');
  writeFileSync(join(dir, 'relay.test.yaml'), zoneText([mta1!]));
  const push = await cli(['zone', 'push', dir, '--redis', redis.url, '--redis-prefix', prefix]);
  t.is(push.code, 0, push.stderr);
  t.regex(push.stdout, /^relay\.test\. {2}version 1 {2}published from /);

  const [a, b] = await Promise.all([sharedServer(prefix), sharedServer(prefix)]);
  for (const { server } of [a!, b!]) await eventually(async () => (await answers(server)) === '127.0.0.61', { timeoutMs: 15_000, what: 'mta1 answered' });

  const add = await cli(['zone', 'member', 'add', 'relay.test', 'primary', 'mta2', '--address', mta2!.host, '--port', String(mta2!.port), '--zones', dir]);
  t.is(add.code, 0, add.stderr);
  const second = await cli(['zone', 'push', dir], { MXLB_REDIS: redis.url, MXLB_REDIS_PREFIX: prefix });
  t.is(second.code, 0, second.stderr);
  t.regex(second.stdout, /version 2 {2}published/);
  for (const { server } of [a!, b!]) {
    await eventually(async () => (await answers(server)) === '127.0.0.61,127.0.0.62', { timeoutMs: 15_000, what: 'mta2 answered after the push' });
  }
  t.is(readFileSync(join(a!.cache, 'relay.test.yaml'), 'utf8'), readFileSync(join(dir, 'relay.test.yaml'), 'utf8'));
  t.is(await redis.cli('hget', `${prefix}zone:relay.test`, 'version'), '2');
});

test.serial('pull writes published zones; diff shows local changes (exit 1) and none (exit 0); pull keeps unpushed edits unless --force', async (t) => {
  // In-process against the real Redis (one CLI run per command checks the wiring and exit codes).
  const prefix = 'pull:';
  const keys = zoneKeys(prefix);
  const client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
  cleanups.push(() => client.disconnect());
  const author = 'tester@host';
  const [mta1] = await mtas('127.0.0.71');
  const origin = tempDir('zones');
  writeFileSync(join(origin, 'relay.test.yaml'), zoneText([mta1!]));
  writeFileSync(join(origin, 'static.test.zone'), '@ 60 IN SOA ns1 h 1 60 60 60 60\n@ 60 IN NS ns1\nns1 60 IN A 127.0.0.1\n');
  t.is((await pushZones(client, keys, origin, { author })).exitCode, 0);

  const copy = tempDir('zones');
  const r = ['--redis', redis.url, '--redis-prefix', prefix];
  const pull = await cli(['zone', 'pull', '--all', '--zones', copy, ...r]);
  t.is(pull.code, 0, pull.stderr);
  t.regex(pull.stdout, /^relay\.test\. {2}version 1 {2}written to .*relay\.test\.yaml {2}\(by [^ ]+ at /m);
  t.regex(pull.stdout, /^static\.test\. {2}version 1 {2}written to .*static\.test\.zone/m);
  t.is(readFileSync(join(copy, 'relay.test.yaml'), 'utf8'), readFileSync(join(origin, 'relay.test.yaml'), 'utf8'));
  const same = await cli(['zone', 'diff', copy, ...r]);
  t.is(same.code, 0, same.stdout + same.stderr);
  t.regex(same.stdout, /2 zones the same as published/);

  t.is(editZoneFile(copy, 'relay.test', { op: 'set', pool: 'primary', member: 'mta1', fields: { weight: 5 } }).exitCode, 0);
  const diff = await diffZones(client, keys, join(copy, 'relay.test.yaml'));
  t.is(diff.exitCode, 1);
  t.regex(diff.stdout, /^--- redis:relay\.test@1\/relay\.test\.yaml$/m);
  t.regex(diff.stdout, /^\+ {8}weight: 5$/m);
  t.is((await diffZones(client, keys, join(copy, 'static.test.zone'))).exitCode, 0);

  const refused = await pullZones(client, keys, copy, ['relay.test']);
  t.is(refused.exitCode, 1);
  t.regex(refused.stderr, /has changes that were never pushed/);
  t.regex(readFileSync(join(copy, 'relay.test.yaml'), 'utf8'), /weight: 5/);
  t.is((await pullZones(client, keys, copy, ['relay.test'], { force: true })).exitCode, 0);
  t.notRegex(readFileSync(join(copy, 'relay.test.yaml'), 'utf8'), /weight: 5/);

  // A folder that pushes a zone it has not seen the latest version of is refused.
  t.is(editZoneFile(copy, 'relay.test', { op: 'set', pool: 'primary', member: 'mta1', fields: { weight: 7 } }).exitCode, 0);
  t.regex((await pushZones(client, keys, copy, { author })).stdout, /version 2 {2}published/);
  t.is(editZoneFile(origin, 'relay.test', { op: 'set', pool: 'primary', member: 'mta1', fields: { weight: 9 } }).exitCode, 0);
  const stale = await pushZones(client, keys, origin, { author });
  t.is(stale.exitCode, 1);
  t.regex(stale.stderr, /relay\.test\.: not published: Redis has version 2 \(by tester@host at [^)]+\) and this copy is based on version 1/);
  t.regex((await pushZones(client, keys, origin, { author, force: true })).stdout, /version 3 {2}published/);
  t.is(await redis.cli('hget', `${prefix}zone:relay.test`, 'version'), '3');
  t.is(await redis.cli('hget', `${prefix}zone:relay.test`, 'author'), author);

  t.is((await cli(['zone', 'pull', 'relay.test', '--all', ...r])).code, 2);
  t.is((await cli(['zone', 'diff', copy, '--redis', 'http://x'])).code, 2);
});

test.serial('Redis down: servers keep answering and start from their cache; Redis back (empty): a newer push arrives', async (t) => {
  // Its own Redis: the tests of this file run at the same time and this one kills it.
  const redis = await startRedis();
  cleanups.push(() => redis.close());
  const prefix = 'down:';
  const [mta1, mta2] = await mtas('127.0.0.81', '127.0.0.82');
  const dir = tempDir('zones');
  writeFileSync(join(dir, 'relay.test.yaml'), zoneText([mta1!]));
  const r = ['--redis', redis.url, '--redis-prefix', prefix];
  t.is((await cli(['zone', 'push', dir, ...r])).code, 0);
  const a = await sharedServer(prefix, redis.url);
  await eventually(async () => (await answers(a.server)) === '127.0.0.81', { timeoutMs: 15_000, what: 'mta1 answered' });

  await redis.kill();
  // A bounded query loop while Redis is gone: every query answered, with the member.
  for (let i = 0; i < 20; i++) t.is(await answers(a.server), '127.0.0.81', `query ${i} while Redis is down`);
  // An instance restarted while Redis is down serves the zones it cached.
  await a.server.stop();
  const restarted = await startMxlb(['--zones', 'redis', '--redis', redis.url, '--redis-prefix', prefix, '--zones-cache', a.cache, '--state-file', ''], { timeoutMs: 60_000 });
  cleanups.push(() => restarted.stop());
  await restarted.waitForLog((line) => line.msg === 'Redis unreachable at start; serving the cached shared zones until it is back');
  await eventually(async () => (await answers(restarted)) === '127.0.0.81', { timeoutMs: 15_000, what: 'cached zone answered without Redis' });

  // Redis comes back without its data (no persistence); a new push (version 1 again) still wins.
  await redis.start();
  writeFileSync(join(dir, 'relay.test.yaml'), zoneText([mta1!, mta2!], 2));
  const push = await cli(['zone', 'push', dir, ...r]);
  t.is(push.code, 0, push.stderr);
  t.regex(push.stdout, /version 1 {2}published/);
  await eventually(async () => (await answers(restarted)) === '127.0.0.81,127.0.0.82', { timeoutMs: 15_000, what: 'the newer push answered after Redis came back' });
});

test.serial('serve --zones redis without --redis is a usage error (exit 2)', async (t) => {
  const run = await cli(['serve', '--zones', 'redis', '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0'], { MXLB_REDIS: '', MXLB_REDIS_SENTINELS: '' });
  t.is(run.code, 2);
  t.regex(run.stderr, /--zones redis needs --redis URL/);
});

test.serial('the follower mirrors versions, moves a zone whose file kind changed, and never empties its cache because Redis did', async (t) => {
  const prefix = 'follow:';
  const keys = zoneKeys(prefix);
  const options = { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true } as const;
  const client = new Redis(redis.url, options);
  const subscriber = new Redis(redis.url, options);
  const writer = new Redis(redis.url);
  cleanups.push(() => client.disconnect(), () => subscriber.disconnect(), () => writer.disconnect());
  await Promise.all([client.connect(), subscriber.connect()]);
  const cache = tempDir('follow-cache');
  const master = '@ 60 IN SOA ns1 h 1 60 60 60 60\n@ 60 IN NS ns1\nns1 60 IN A 127.0.0.1\n';
  const publish = (file: string, text: string) => publishZone(writer, keys, { origin: 'f.test', file, text }, { expectedVersion: undefined, author: 't', now: new Date() });
  t.deepEqual(await publish('f.test.zone', master), { status: 'published', version: 1 });

  const follower = new RedisZoneFollower({ client, subscriber, keys, cacheDir: cache, logger: silentLogger, resyncMs: 60_000 });
  cleanups.push(() => follower.close());
  t.true(await follower.start(5000));
  t.is(readFileSync(join(cache, 'f.test.zone'), 'utf8'), master);

  // A new version as a YAML zone with a sibling: arrives through the publish message.
  const yaml = 'pools:\n  fp:\n    members:\n      - {name: a, address: 192.0.2.1}\n';
  const writerSibling = await publishZone(writer, keys, { origin: 'f.test', file: 'f.test.yaml', text: yaml, sibling: master.replace(' 1 60', ' 2 60') }, { expectedVersion: 1, author: 't', now: new Date() });
  t.deepEqual(writerSibling, { status: 'published', version: 2 });
  await eventually(() => existsSync(join(cache, 'f.test.yaml')), { timeoutMs: 10_000, what: 'the YAML version cached' });
  t.is(readFileSync(join(cache, 'f.test.yaml'), 'utf8'), yaml);
  t.regex(readFileSync(join(cache, 'f.test.zone'), 'utf8'), / 2 60/, 'the sibling replaced the old master file');
  t.deepEqual(JSON.parse(readFileSync(join(cache, '.mxlb-shared.json'), 'utf8'))['f.test'].version, 2);

  // Redis loses everything: the cache keeps the zone.
  await writer.flushall();
  await follower.sync('test');
  t.deepEqual(readdirSync(cache).filter((n) => !n.startsWith('.')).sort(), ['f.test.yaml', 'f.test.zone']);
  // Back to a master file: the YAML file and its sibling go, the master file comes.
  t.deepEqual(await publish('f.test.zone', master), { status: 'published', version: 1 });
  await eventually(() => !existsSync(join(cache, 'f.test.yaml')), { timeoutMs: 10_000, what: 'the YAML zone replaced' });
  t.is(readFileSync(join(cache, 'f.test.zone'), 'utf8'), master);
});
