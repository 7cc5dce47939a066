/**
 * Admin API authorization through the real CLI against a real `mxlb serve`: a wrong or missing
 * bearer token is refused with 401 (and a WWW-Authenticate challenge, RFC 6750 §3) and changes
 * nothing; each token holder is recorded under its own name; without configured tokens writes
 * are refused with 403 while reads stay open; SIGHUP re-reads the token file (rotation), and a
 * broken token file keeps the previous tokens.
 */
import { writeFileSync } from 'node:fs';
import test from 'ava';
import { allUp, LOG_WAIT_MS, TOKEN, answers, apiMembers, cli, serve, serverUrl, setUp, OTHER_TOKEN } from './admin-setup.ts';

test('a wrong or missing token is refused with 401 and changes nothing; without tokens the API refuses writes with 403', async (t) => {
  const setup = await setUp(t, 30);
  const mxlb = await serve(t, setup);
  await allUp(mxlb);
  const before = await answers(mxlb);

  const wrong = await cli(['member', 'drain', 'primary/mta1', '--server', serverUrl(mxlb), '--token', 'not-the-token-0123456789']);
  t.is(wrong.code, 1);
  t.regex(wrong.stderr, /401.*invalid token.*--token/);
  const none = await cli(['member', 'quarantine', 'primary/mta2', '--reason', 'x', '--server', serverUrl(mxlb)]);
  t.is(none.code, 1);
  t.regex(none.stderr, /401.*missing bearer token/);

  const raw = await fetch(`${serverUrl(mxlb)}/api/members/primary%2Fmta1/drain`, { method: 'POST', headers: { authorization: 'Bearer not-the-token-0123456789' }, body: '{}' });
  t.is(raw.status, 401);
  t.is(raw.headers.get('www-authenticate'), 'Bearer realm="mxlb admin", error="invalid_token"');

  t.deepEqual(await answers(mxlb), before, 'answers unchanged');
  t.true((await apiMembers(mxlb)).every((m) => m.override === undefined && m.state === 'up'), 'no override set');
  const audit = (await (await fetch(`${serverUrl(mxlb)}/api/audit`)).json()) as { entries: unknown[] };
  t.deepEqual(audit.entries, [], 'nothing audited');

  // The second holder's token works and is recorded under its own name (token file: HOLDER TOKEN).
  const ci = await cli(['member', 'weight', 'primary/mta3', '7', '--server', serverUrl(mxlb), '--token', OTHER_TOKEN, '--author', 'deploy-job', '--json']);
  t.is(ci.code, 0, ci.stderr);
  t.like(JSON.parse(ci.stdout), { changed: true, member: { id: 'primary/mta3', weight: 7, configuredWeight: 100 }, audit: { author: 'ci (deploy-job)', action: 'weight' } });

  const bare = await serve(t, await setUp(t, 40), { tokens: false });
  const disabled = await cli(['member', 'drain', 'primary/mta1', '--server', serverUrl(bare), '--token', OTHER_TOKEN]);
  t.is(disabled.code, 1);
  t.regex(disabled.stderr, /403.*admin API disabled: start with --admin-token/);
  const reads = await cli(['member', 'list', '--json', '--server', serverUrl(bare)]);
  t.is(reads.code, 0, 'reads stay open');
  t.is((JSON.parse(reads.stdout) as { members: unknown[] }).members.length, 3);
});

test('SIGHUP re-reads the token file: a rotated-out token is refused, the new one works; a broken file keeps the previous tokens', async (t) => {
  const setup = await setUp(t, 100);
  const mxlb = await serve(t, setup);
  await allUp(mxlb);
  const url = serverUrl(mxlb);
  const NEW_TOKEN = 'ops-rotated-0123456789abcdef';

  writeFileSync(setup.tokenFile, `ops ${NEW_TOKEN}\n`);
  mxlb.child.kill('SIGHUP');
  await mxlb.waitForLog((line) => line.msg === 'admin tokens reloaded' && line.tokens === 1 && line.before === 2, LOG_WAIT_MS);
  const old = await cli(['member', 'drain', 'primary/mta1', '--server', url, '--token', TOKEN]);
  t.is(old.code, 1);
  t.regex(old.stderr, /401.*invalid token/);
  const fresh = await cli(['member', 'drain', 'primary/mta1', '--server', url, '--token', NEW_TOKEN, '--author', 'rotation', '--json']);
  t.is(fresh.code, 0, fresh.stderr);
  t.like(JSON.parse(fresh.stdout), { changed: true, audit: { author: 'ops (rotation)', action: 'drain' } });

  // A typo in the file: logged with file:line, and the admin API neither opens nor locks out.
  writeFileSync(setup.tokenFile, `ops ${NEW_TOKEN}\nci short\n`);
  mxlb.child.kill('SIGHUP');
  const failed = await mxlb.waitForLog((line) => line.msg === 'admin token file not reloaded: previous tokens stay in force', LOG_WAIT_MS);
  t.regex(String(failed.reason), new RegExp(`${setup.tokenFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2`));
  t.is(failed.tokens, 1);
  const still = await cli(['member', 'undrain', 'primary/mta1', '--server', url, '--token', NEW_TOKEN]);
  t.is(still.code, 0, still.stderr);
  const stillOld = await cli(['member', 'drain', 'primary/mta2', '--server', url, '--token', TOKEN]);
  t.is(stillOld.code, 1, 'the rotated-out token stays refused');
  t.true((await apiMembers(mxlb)).every((m) => m.override === undefined), 'no override left');
});
