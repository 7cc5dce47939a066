/**
 * `mxlb signals arf --maildir DIR [--map FILE] [--once]`: reads feedback-loop reports (ARF,
 * RFC 5965) delivered to a Maildir and counts a complaint for the member whose address is the
 * report's `Source-IP` (the server's members by address, GET /api/members; `--map` for addresses
 * the zones do not name, e.g. NAT).
 *
 * Contract: the messages of `new/` are read in name order, at most `--batch-size` a batch; the
 * batch id is derived from their file names (Maildir names are unique), so a resend is the same
 * batch. Only after the server acknowledged are they moved to `cur/` (flag `S`, seen), so a crash
 * re-sends and the server acknowledges the duplicate. Reports that are not ARF, have no Source-IP,
 * name an address of no member, or are not complaints (`not-spam`, …) are moved too, and counted.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import { sendingOptions } from './signals-options.ts';
import type { MemberView } from '../http/index.ts';
import { MAX_OUTCOMES, parseArf } from '../signals/index.ts';
import { call, ClientError, clientOptions, EXIT, resolveClient, type ClientArgs, type ClientOptions } from './client.ts';
import type { MemberCommandIo } from './member-run.ts';
import { sendBatch, sleep } from './signals-follow.ts';
import { loadMap } from './signals-state.ts';

export interface ArfArgs extends ClientArgs {
  maildir: string;
  map?: string;
  once: boolean;
  'batch-size': number;
  interval: number;
  'give-up'?: number;
}

const MAX_MESSAGE = 1024 * 1024;

export const signalsArfCommand: CommandModule<object, ArfArgs> = {
  command: 'arf',
  describe: 'Count feedback-loop complaints (ARF reports in a Maildir) for the member of their Source-IP',
  builder: (y) =>
    clientOptions(y as Argv<object>)
      .option('maildir', { type: 'string', demandOption: true, describe: 'Maildir the feedback loops deliver to (reads new/, moves to cur/)' })
      .option('map', { type: 'string', describe: 'File of IP MEMBER lines for addresses the zones do not name' })
      .option('once', { type: 'boolean', default: false, describe: 'Read what is there, send, exit' })
      .option('batch-size', { type: 'number', default: 500, describe: `Reports per batch (1-${MAX_OUTCOMES})` })
      .option('interval', { type: 'number', default: 10, describe: 'Seconds between looks at the Maildir' })
      .option('give-up', { type: 'number', describe: 'Seconds to keep retrying an unreachable server (default 60 with --once, else forever)' })
      .epilog('Exit codes: 0 done or stopped, 1 the server refused, 2 usage error, 3 server unreachable.') as unknown as Argv<ArfArgs>,
  handler: async (args) => {
    await runArf(args);
  },
};

const STDIO: MemberCommandIo = { out: process.stdout, err: process.stderr };

export interface ArfSummary {
  reports: number;
  complaints: number;
  ignored: number;
  duplicates: number;
}

export async function runArf(args: ArfArgs, io: MemberCommandIo = STDIO): Promise<ArfSummary> {
  const client = resolveClient(args);
  const { batchSize, giveUp } = sendingOptions(args);
  const maildir = resolve(args.maildir);
  for (const sub of ['new', 'cur']) {
    if (!statSync(join(maildir, sub), { throwIfNoEntry: false })?.isDirectory()) throw new MxlbError('usage', `${maildir} is not a Maildir: no ${sub}/`);
  }
  const map = args.map !== undefined ? loadMap(args.map) : new Map<string, string>();
  const summary: ArfSummary = { reports: 0, complaints: 0, ignored: 0, duplicates: 0 };
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  if (!args.once) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  try {
    while (!stop.signal.aborted) {
      const names = readdirSync(join(maildir, 'new')).filter((n) => !n.startsWith('.')).sort().slice(0, batchSize);
      if (names.length === 0) {
        if (args.once) break;
        await sleep(args.interval * 1000, stop.signal);
        continue;
      }
      const done = await processBatch(client, maildir, names, map, giveUp, stop.signal, summary, io);
      if (!done) break;
    }
    process.exitCode = EXIT.ok;
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    io.err.write(`mxlb: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  io.err.write(`mxlb: ${summary.reports} reports read, ${summary.complaints} complaints sent (${summary.duplicates} batches already applied), ${summary.ignored} ignored\n`);
  return summary;
}

async function processBatch(client: ClientOptions, maildir: string, names: string[], map: Map<string, string>, giveUp: number, stop: AbortSignal, summary: ArfSummary, io: MemberCommandIo): Promise<boolean> {
  const members = await call<{ members: MemberView[] }>(client, 'GET', '/api/members');
  const byAddress = new Map(members.members.map((m) => [m.address.toLowerCase(), m.id]));
  const now = Date.now();
  const outcomes: object[] = [];
  for (const name of names) {
    const file = join(maildir, 'new', name);
    let text = '';
    try {
      text = readFileSync(file).subarray(0, MAX_MESSAGE).toString('latin1');
    } catch {
      continue;
    }
    const report = parseArf(text);
    const member = report ? (map.get(report.sourceIp) ?? byAddress.get(report.sourceIp.toLowerCase())) : undefined;
    if (!report || !report.complaint || !member) {
      summary.ignored += 1;
      const why = !report ? 'not an ARF report with a Source-IP' : !report.complaint ? `feedback type ${report.feedbackType}` : `no member has address ${report.sourceIp}`;
      io.err.write(`mxlb: ${name}: ignored (${why})\n`);
      continue;
    }
    // Without a usable Arrival-Date the server's clock dates it: a resend must carry the same outcomes.
    const outcome: Record<string, unknown> = { member, status: 'complaint', provider: report.provider, source: 'arf' };
    if (report.arrival !== undefined && report.arrival > now - 23 * 3_600_000 && report.arrival <= now) outcome.at = report.arrival;
    if (report.domain) outcome.domain = report.domain;
    outcomes.push(outcome);
  }
  if (outcomes.length > 0) {
    const batch = `arf:${createHash('sha256').update(names.join('\n')).digest('base64url').slice(0, 32)}`;
    const sent = await sendBatch(client, { batch, outcomes }, giveUp, stop, (text) => io.err.write(`mxlb: ${text}\n`));
    if (sent === undefined) return false;
    if (sent.duplicate) summary.duplicates += 1;
    summary.complaints += outcomes.length;
  }
  for (const name of names) {
    try {
      renameSync(join(maildir, 'new', name), join(maildir, 'cur', `${name.replace(/:2,.*$/, '')}:2,S`));
    } catch {
      // already moved by a mail client: nothing to do
    }
  }
  summary.reports += names.length;
  return true;
}
