/**
 * `mxlb signals follow postfix|kumomta --log FILE --server URL (--member ID | --map FILE)
 *  [--state FILE] [--once]`: reads an MTA's log from its saved position, turns delivery lines into
 * outcomes, and POSTs them in batches to /api/signals.
 *
 * Contract: nothing is lost or counted twice across restarts, rotation and server outages:
 * - a batch is one range of complete lines of one log content, its id derived from that range
 *   (src/signals/log-reader.ts), so a batch sent again after a crash is acknowledged as a duplicate;
 * - the position is saved (atomically) only after the server acknowledged the batch;
 * - while the server is unreachable or answers 5xx the same batch is retried with backoff (0.5 s
 *   doubling to 30 s, jittered); `--give-up` seconds (default 60 with --once, never without)
 *   ends it with exit 3; a 4xx (unknown member, bad token) ends it with exit 1;
 * - memory is bounded by one batch (`--batch-size` lines, at most 1 MB of log).
 * Outcomes older than 23 h (the API takes a day) are skipped and counted, as are lines whose
 * instance the map does not name. Exit codes: 0 done (--once) or stopped by SIGTERM/SIGINT,
 * 1 refused, 2 usage, 3 server unreachable for longer than --give-up.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import { sendingOptions } from './signals-options.ts';
import { LogReader, MAX_OUTCOMES, parseKumoLine, parsePostfixLine, QueueClients, type LogChunk, type LogOutcome, type PostfixOutcome } from '../signals/index.ts';
import { call, ClientError, clientOptions, EXIT, resolveClient, type ClientArgs, type ClientOptions } from './client.ts';
import type { MemberCommandIo } from './member-run.ts';
import { loadMap, loadState, saveState } from './signals-state.ts';

const MTAS = ['postfix', 'kumomta'] as const;
type Mta = (typeof MTAS)[number];

export interface FollowArgs extends ClientArgs {
  mta: Mta;
  log: string;
  member?: string;
  map?: string;
  state?: string;
  once: boolean;
  'batch-size': number;
  interval: number;
  'give-up'?: number;
}

const MAX_CHUNK_BYTES = 1024 * 1024;
const MAX_AGE_MS = 23 * 3_600_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;

export const signalsFollowCommand: CommandModule<object, FollowArgs> = {
  command: 'follow <mta>',
  describe: 'Follow a Postfix or KumoMTA log and send its delivery outcomes to the server',
  builder: (y) =>
    clientOptions(y as Argv<object>)
      .positional('mta', { choices: MTAS, describe: 'postfix (syslog or maillog_file lines) or kumomta (JSON log records)', demandOption: true })
      .option('log', { type: 'string', demandOption: true, describe: 'The log file (rotated siblings LOG.1, LOG-2026… are found by content)' })
      .option('member', { type: 'string', describe: 'Member every outcome of this log belongs to (<pool>/<member>)' })
      .option('map', { type: 'string', describe: 'File of NAME MEMBER lines: Postfix syslog_name, or KumoMTA egress source or source IP' })
      .option('state', { type: 'string', describe: 'Where the position is kept (default LOG.mxlb-state next to the log)' })
      .option('once', { type: 'boolean', default: false, describe: 'Read to the end, send, exit (cron, tests)' })
      .option('batch-size', { type: 'number', default: 1000, describe: `Lines per batch (1-${MAX_OUTCOMES})` })
      .option('interval', { type: 'number', default: 1, describe: 'Seconds between looks at the log when at its end' })
      .option('give-up', { type: 'number', describe: 'Seconds to keep retrying an unreachable server (default 60 with --once, else forever)' })
      .example('$0 signals follow postfix --log /var/log/mail.log --member primary/mta1', 'One Postfix instance per host')
      .example('$0 signals follow postfix --log /var/log/mail.log --map /etc/mxlb/instances', 'postfix-out → primary/mta1, postfix-bulk → bulk/mta1')
      .epilog('Exit codes: 0 done or stopped, 1 the server refused a batch, 2 usage error, 3 server unreachable for longer than --give-up.') as unknown as Argv<FollowArgs>,
  handler: async (args) => {
    await runFollow(args);
  },
};

const STDIO: MemberCommandIo = { out: process.stdout, err: process.stderr };

export interface FollowSummary {
  lines: number;
  outcomes: number;
  batches: number;
  duplicates: number;
  skippedOld: number;
  unmapped: number;
}

export async function runFollow(args: FollowArgs, io: MemberCommandIo = STDIO, signal?: AbortSignal): Promise<FollowSummary> {
  const client = resolveClient(args);
  if ((args.member === undefined) === (args.map === undefined)) throw new MxlbError('usage', 'name the member with --member <pool>/<member>, or give a --map file (one of them)');
  if (args.member !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(args.member)) throw new MxlbError('usage', `--member "${args.member}" is not <pool>/<member>`);
  const { batchSize, giveUp } = sendingOptions(args);
  if (!(giveUp >= 0)) throw new MxlbError('usage', '--give-up must be a number of seconds (0: never)');
  const log = resolve(args.log);
  const stateFile = resolve(args.state ?? `${log}.mxlb-state`);
  const map = args.map !== undefined ? loadMap(args.map) : undefined;
  const warned = new Set<string>();
  const warn = (text: string) => {
    if (warned.has(text) || warned.size > 100) return;
    warned.add(text);
    io.err.write(`mxlb: ${text}\n`);
  };

  const reader = new LogReader(log, { position: loadState(stateFile, log, args.mta, warn), tag: hostname() });
  // smtpd `client=` lines by queue ID, so a delivery line's outcome carries its SMTP client (A/B attribution).
  const clients = new QueueClients();
  const summary: FollowSummary = { lines: 0, outcomes: 0, batches: 0, duplicates: 0, skippedOld: 0, unmapped: 0 };
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  signal?.addEventListener('abort', onSignal);
  if (!args.once) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  try {
    while (!stop.signal.aborted) {
      const chunk = reader.read({ maxLines: batchSize, maxBytes: MAX_CHUNK_BYTES });
      if (reader.lost) {
        warn(`the rest of ${log} before rotation is gone (deleted or compressed before it was read): continuing with the new file`);
        reader.lost = false;
      }
      if (!chunk) {
        if (args.once) break;
        await sleep(args.interval * 1000, stop.signal);
        continue;
      }
      const outcomes = toOutcomes(chunk, args, map, summary, warn, clients);
      if (outcomes.length > 0) {
        const sent = await sendBatch(client, { batch: chunk.id, outcomes }, giveUp, stop.signal, warn);
        if (sent === undefined) break; // stopped while retrying: the position stays before this batch
        summary.batches += 1;
        if (sent.duplicate) summary.duplicates += 1;
        summary.outcomes += outcomes.length;
      }
      reader.commit(chunk);
      saveState(stateFile, { version: 1, log, mta: args.mta, position: reader.position! });
      summary.lines += chunk.lines.length;
    }
    process.exitCode = EXIT.ok;
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    io.err.write(`mxlb: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } finally {
    signal?.removeEventListener('abort', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  io.err.write(`mxlb: ${summary.lines} lines read, ${summary.outcomes} outcomes sent in ${summary.batches} batches (${summary.duplicates} already applied), ${summary.skippedOld} too old, ${summary.unmapped} of unmapped instances\n`);
  return summary;
}

function toOutcomes(chunk: LogChunk, args: FollowArgs, map: Map<string, string> | undefined, summary: FollowSummary, warn: (text: string) => void, clients: QueueClients): object[] {
  const now = Date.now();
  const outcomes: object[] = [];
  for (const line of chunk.lines) {
    if (args.mta === 'postfix' && clients.read(line)) continue;
    const parsed: LogOutcome | undefined = args.mta === 'postfix' ? parsePostfixLine(line, { now }) : parseKumoLine(line);
    if (!parsed) continue;
    const member = args.member ?? map?.get(parsed.instance ?? '') ?? map?.get(parsed.host ?? '');
    if (member === undefined) {
      summary.unmapped += 1;
      warn(`no member for ${args.mta === 'postfix' ? 'syslog_name' : 'egress source'} "${parsed.instance ?? parsed.host ?? '?'}" in ${args.map}: its outcomes are skipped`);
      continue;
    }
    if (parsed.at < now - MAX_AGE_MS) {
      summary.skippedOld += 1;
      continue;
    }
    const outcome: Record<string, unknown> = { member, status: parsed.status, provider: parsed.provider, at: Math.min(parsed.at, now), source: parsed.source };
    if (parsed.dsn !== undefined) outcome.dsn = parsed.dsn;
    if (parsed.reply !== undefined) outcome.reply = parsed.reply.slice(0, 1000);
    if (parsed.domain !== undefined && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(parsed.domain)) outcome.domain = parsed.domain;
    if (parsed.delay !== undefined) outcome.delay = parsed.delay;
    const queued = args.mta === 'postfix' ? (parsed as PostfixOutcome) : undefined;
    const smtpClient = queued && clients.clientOf(queued.instance, queued.queueId);
    if (smtpClient !== undefined) outcome.client = smtpClient;
    outcomes.push(outcome);
  }
  return outcomes;
}

/** POSTs one batch, retrying while the server is unreachable or failing; undefined when stopped meanwhile. */
export async function sendBatch(client: ClientOptions, body: { batch: string; outcomes: object[] }, giveUpSeconds: number, stop: AbortSignal, warn: (text: string) => void): Promise<{ duplicate: boolean } | undefined> {
  const deadline = giveUpSeconds > 0 ? Date.now() + giveUpSeconds * 1000 : Infinity;
  let wait = BACKOFF_MIN_MS;
  for (;;) {
    // fetch's own timeout timer does not keep the process alive, and undici has been seen to leave a
    // request to a peer that resets the connection pending with nothing else alive (exit 13): hold
    // the loop open until the call settles, so the timeout fires and the batch is retried.
    const alive = setInterval(() => {}, 1000);
    try {
      return await call<{ duplicate: boolean }>(client, 'POST', '/api/signals', body);
    } catch (error) {
      const retry = error instanceof ClientError && (error.exitCode === EXIT.unreachable || (error.status ?? 0) >= 500);
      if (!retry) throw error;
      if (Date.now() + wait > deadline) throw new ClientError(`${(error as Error).message}; gave up after ${giveUpSeconds} s`, EXIT.unreachable);
      warn(`${(error as Error).message}: retrying with backoff`);
      await sleep(wait * (0.75 + Math.random() * 0.5), stop);
      if (stop.aborted) return undefined;
      wait = Math.min(BACKOFF_MAX_MS, wait * 2);
    } finally {
      clearInterval(alive);
    }
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) return done();
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    }
    signal.addEventListener('abort', finish);
  });
}
