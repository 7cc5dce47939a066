import type { CommandModule } from 'yargs';
import type { MemberView } from '../http/index.ts';
import { call, clientOptions, type ClientArgs } from './client.ts';
import { address, age, clock, describeOverride, stateText } from './member-format.ts';
import { checkMemberId, runServerCommand } from './member-run.ts';

interface ShowArgs extends ClientArgs {
  member: string;
  json: boolean;
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10} %`;

/** One member in detail (pure): state, overrides, and its reputation (verdict, why, rates, providers, DNSBL lists). */
export function memberDetail(m: MemberView, now: number): string {
  const lines = [
    `${m.id}  ${address(m)}  host ${m.host}  zone ${m.zone}`,
    `  state      ${stateText(m)}${m.since === undefined ? '' : ` since ${clock(m.since)} (${age(now - m.since)} ago)`}${m.observedReason ? `; probe: ${m.observedReason}` : ''}`,
    `  weight     ${m.weight}${m.weightOverride ? ` (configured ${m.configuredWeight}): ${describeOverride(m.weightOverride, now)}` : ''}`,
  ];
  if (m.override) lines.push(`  override   ${m.override.kind}: ${describeOverride(m.override, now)}`);
  const r = m.reputation;
  if (!r) {
    lines.push('  reputation (not judged: no reputation model running)');
  } else {
    const notes = [r.applied ? '' : `pinned until ${r.pinnedUntil ?? '?'}`, r.heldBack ? `held back: ${r.heldBack}` : '', r.overriddenBy ? `overridden by ${r.overriddenBy}` : ''].filter(Boolean);
    lines.push(`  reputation ${r.level} since ${r.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}${r.factor < 1 ? `, weight × ${r.factor}` : ''}${notes.length ? ` (${notes.join('; ')})` : ''}`);
    lines.push(`    why      ${r.why}`);
    lines.push(`    rates    ${r.rates.samples} samples: bounces ${pct(r.rates.bounce)}, deferrals ${pct(r.rates.deferral)}, complaints ${pct(r.rates.complaint)}`);
    for (const [provider, p] of Object.entries(r.providers)) {
      lines.push(`    ${provider.padEnd(9)}${p.level}: ${p.samples} samples, bounces ${pct(p.bounce)}, deferrals ${pct(p.deferral)}, complaints ${pct(p.complaint)}`);
    }
    for (const l of r.dnsbl ?? []) lines.push(`    dnsbl    ${l.list}: ${l.state}${l.codes?.length ? ` ${l.codes.join(',')}` : ''}${l.reason ? ` — ${l.reason}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `mxlb member show <member>`: one member in detail, its reputation included (GET /api/members/:id). */
export const memberShowCommand: CommandModule<object, ShowArgs> = {
  command: 'show <member>',
  describe: 'Show one member in detail: state, overrides, reputation (verdict, rates per provider, DNSBL lists)',
  builder: (y) =>
    clientOptions(y)
      .positional('member', { type: 'string', demandOption: true, describe: 'Member id <pool>/<member>' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the server\'s JSON ({ now, member })' }) as never,
  handler: (args) => {
    checkMemberId(args.member);
    return runServerCommand(args, async (client, io) => {
      const body = await call<{ now: number; member: MemberView }>(client, 'GET', `/api/members/${encodeURIComponent(args.member)}`);
      io.out.write(args.json ? `${JSON.stringify(body, null, 2)}\n` : memberDetail(body.member, body.now));
    });
  },
};
