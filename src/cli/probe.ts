import { hostname } from 'node:os';
import { isIP } from 'node:net';
import type { CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import { MEMBER_ID, memberProbeTarget } from './probe-member.ts';
import { clientDefaults } from '../config.ts';
import { smtpCheck, type ProbeCheck, type ProbeResult, type ProbeTarget, type StartTlsMode } from '../probe/index.ts';

/**
 * `mxlb probe HOST[:PORT]`: one SMTP health probe, the same check the server runs, printed phase by
 * phase for an operator (or as the ProbeResult with --json). Exit 0 healthy, 1 not; bad arguments
 * throw MxlbError('usage'), which the CLI turns into exit 2.
 */

export interface ProbeArgs {
  target: string;
  starttls: StartTlsMode;
  ehlo?: string;
  timeout: number;
  servername?: string;
  'min-cert-days'?: number;
  json: boolean;
  zones?: string;
}

/** Anything with write(): process.stdout, or a collector in tests. */
export interface Output {
  write(text: string): unknown;
}

const STARTTLS_MODES: readonly StartTlsMode[] = ['off', 'try', 'require'];

function usage(message: string): MxlbError {
  return new MxlbError('usage', message);
}

/** `host`, `host:port`, `1.2.3.4:25`, `[::1]:2525`, `[::1]` or a bare IPv6 address (port 25). */
export function parseHostPort(input: string, defaultPort = 25): { host: string; port: number } {
  const text = input.trim();
  let host = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
    if (isIP(host) !== 6) throw usage(`"${input}": only an IPv6 address goes in brackets`);
  } else if (text.split(':').length === 2) {
    [host = '', portText] = text.split(':');
  } else if (text.includes(':') && isIP(text) !== 6) {
    throw usage(`"${input}": put an IPv6 address in brackets to give a port, e.g. [::1]:2525`);
  }
  if (host === '' || !(isIP(host) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(host))) {
    throw usage(`"${input}": not a host name or IP address`);
  }
  if (portText === undefined) return { host, port: defaultPort };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw usage(`"${input}": port must be 1-65535`);
  return { host, port };
}

/** Builds the probe target; throws a usage error for values yargs cannot check by itself. */
export function probeTarget(args: ProbeArgs): ProbeTarget {
  const { host, port } = parseHostPort(args.target);
  if (!STARTTLS_MODES.includes(args.starttls)) throw usage(`--starttls must be one of ${STARTTLS_MODES.join(', ')}`);
  if (!Number.isInteger(args.timeout) || args.timeout < 1 || args.timeout > 600_000) {
    throw usage('--timeout must be a whole number of milliseconds between 1 and 600000');
  }
  const minDays = args['min-cert-days'];
  if (minDays !== undefined && (!Number.isInteger(minDays) || minDays < 0)) throw usage('--min-cert-days must be a whole number ≥ 0');
  const ehloName = args.ehlo ?? hostname();
  if (!/^[\x21-\x7e]+$/.test(ehloName)) throw usage('--ehlo must be one word of printable ASCII');
  const target: ProbeTarget = {
    address: host,
    port,
    ehloName,
    starttls: args.starttls,
    // one budget per phase; QUIT never decides the verdict, so it gets at most 2 s
    timeouts: { connectMs: args.timeout, bannerMs: args.timeout, ehloMs: args.timeout, tlsMs: args.timeout, quitMs: Math.min(args.timeout, 2000) },
  };
  if (args.servername !== undefined) target.tlsServername = args.servername;
  if (minDays !== undefined) target.minCertDays = minDays;
  return target;
}

const LABEL = 14;
const row = (label: string, value: string): string => `${label.padEnd(LABEL)}${value}\n`;
const indent = (text: string): string => text.split('\n').join(`\n${' '.repeat(LABEL)}`);
const ms = (value: number): string => `${value.toFixed(1).padStart(8)} ms`;

/** The human layout: one row per phase with its latency, then what was learned, then the verdict. */
export function formatResult(target: ProbeTarget, result: ProbeResult, now = Date.now()): string {
  const where = isIP(target.address) === 6 ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`;
  let text = row('probe', `${where}  starttls=${target.starttls}  ehlo=${target.ehloName}`);
  const failedAt = result.ok ? -1 : result.phases.findLastIndex((p) => p.phase !== 'quit');
  result.phases.forEach((p, i) => {
    const status = p.phase === 'quit' ? 'sent' : i === failedAt ? `FAILED ${result.reason ?? ''}` : 'ok';
    text += row(`  ${p.phase}`, `${ms(p.ms)}  ${status}`);
  });
  if (result.banner !== undefined) text += row('banner', indent(result.banner));
  if (result.capabilities) text += row('capabilities', result.capabilities.length > 0 ? result.capabilities.join(', ') : '(none)');
  if (result.tls) {
    const { tls } = result;
    text += row('tls', [tls.protocol, tls.cipher].filter(Boolean).join(' ') || '(unknown)');
    if (tls.certSubject) text += row('certificate', indent(tls.certSubject));
    if (tls.certNotAfter) {
      const days = Math.floor((Date.parse(tls.certNotAfter) - now) / 86_400_000);
      text += row('expires', `${tls.certNotAfter} (${days} days)`);
    }
    const required = target.tlsServername ? `required for ${target.tlsServername}` : 'not required without --servername';
    text += row('trusted', `${tls.authorized ? 'yes' : 'no'}${tls.authorizationError ? ` (${tls.authorizationError})` : ''}; ${required}`);
  }
  const verdict = result.ok ? 'OK' : `FAIL ${result.reason ?? ''}${result.detail ? `: ${result.detail}` : ''}`;
  text += row('verdict', `${verdict}  (total ${result.totalMs.toFixed(1)} ms)`);
  return text;
}

/** Runs one probe and prints it; resolves with the exit code (0 healthy, 1 not). */
export async function runProbeCommand(args: ProbeArgs, out: Output, check: ProbeCheck = smtpCheck): Promise<number> {
  // POOL/MEMBER: the member's own settings from the zones folder, as the server probes it.
  const member = MEMBER_ID.test(args.target) ? memberProbeTarget(args.zones ?? clientDefaults().zones, args.target, args.ehlo) : undefined;
  const target = member?.target ?? probeTarget(args);
  const result = await check(target);
  const source = member ? row('member', `${args.target}, settings from ${member.file}`) : '';
  out.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : source + formatResult(target, result));
  return result.ok ? 0 : 1;
}

export const probeCommand: CommandModule<object, ProbeArgs> = {
  command: 'probe <target>',
  describe: 'Run one SMTP health probe against HOST[:PORT], or a zone member POOL/MEMBER with its own settings, and show each phase',
  builder: (y) =>
    y
      .positional('target', { type: 'string', demandOption: true, describe: 'MTA as HOST[:PORT] or [IPv6]:PORT (port 25 by default), or POOL/MEMBER of a zone' })
      .option('zones', { type: 'string', describe: 'With POOL/MEMBER: the zones folder (env MXLB_ZONES)', defaultDescription: './zones' })
      .option('starttls', { choices: STARTTLS_MODES, default: 'off' as StartTlsMode, describe: 'off, try (if offered) or require STARTTLS' })
      .option('ehlo', { type: 'string', describe: 'Name sent in EHLO', defaultDescription: 'this host name' })
      .option('timeout', { type: 'number', default: 10_000, describe: 'Timeout of each phase in ms' })
      .option('servername', { type: 'string', describe: 'TLS server name: sent as SNI, and the certificate must be trusted and match it' })
      .option('min-cert-days', { type: 'number', describe: 'Fail when the certificate expires in fewer days' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the probe result as JSON' })
      .example('$0 probe mx1.example.com --starttls require --servername mx1.example.com --min-cert-days 14', 'Check a relay like the health loop does')
      .example('$0 probe [::1]:2525 --json', 'A local test MTA on IPv6, machine-readable')
      .example('$0 probe primary/mta1 --zones /etc/mxlb/zones', "A member with its zone's port, EHLO, STARTTLS, timeouts and certificate checks"),
  handler: async (args) => {
    process.exitCode = await runProbeCommand(args, process.stdout);
  },
};
