import type { Argv, CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import type { WarmUpView } from '../http/index.ts';
import { call, clientOptions, type ClientArgs } from './client.ts';
import { changeOptions, type ChangeArgs } from './member-options.ts';
import { checkMemberId, runServerCommand } from './member-run.ts';

/**
 * `mxlb member warmup status [member]` and `mxlb member warmup pause|resume|restart|finish
 * <member> [--reason …]` (docs/cli.md, docs/shaping.md): a member's warm-up on a running server —
 * day N of M, today's cap, attempts so far, the factor now, the projected finish — and the
 * operator's actions (admin token; audited as warmup-<action>).
 */
/** What GET /api/warmups and /api/members/:id/warmup answer per member (src/http/status-shaping.ts). */
type WarmUp = WarmUpView & { member: string };

const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

/** One line per member: what an operator asks first. */
export function warmUpLine(w: WarmUp): string {
  if (w.complete) return `${w.member}: warm-up ${w.schedule} complete`;
  const cap = w.cap === undefined ? 'no cap (percent curve)' : `cap ${w.cap}${w.providerCaps ? ` (${Object.entries(w.providerCaps).map(([g, n]) => `${g} ${n}`).join(', ')})` : ''}`;
  const sent = w.sent === undefined ? (w.loop === 'stale' ? 'sent unknown (signals stale: open loop)' : '') : `sent ${w.sent}`;
  const factor = w.factor ? `factor ${w.factor.value} (${w.factor.reason})` : '';
  // Per-provider names read these (docs/routing.md "Per-provider names"): "gmail 30 of 30: factor 0 (…)".
  const providers = Object.entries(w.providerFactors ?? {}).map(([g, f]) => `; ${g} ${w.providerSent?.[g] ?? 0} of ${w.providerCaps?.[g] ?? '?'}: factor ${f.value} (${f.reason})`).join('');
  const paused = w.paused ? `, paused (${w.paused})` : '';
  const now = w.shareNow === undefined ? '' : `; first places now ${pct(w.shareNow)}`;
  return `${w.member}: day ${w.day} of ${w.days} (${w.date} ${w.timeZone}), ${[cap, sent].filter(Boolean).join(', ')}; schedule share ${pct(w.openShare)}, ${factor}${paused}${providers}${now}; finishes ${w.finishDate}`;
}

interface StatusArgs extends ClientArgs {
  member?: string;
  json: boolean;
}

const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status [member]',
  describe: 'Warm-up of one member, or of every warming member: day N of M, cap, sent, share, finish date',
  builder: (y) =>
    clientOptions(y)
      .positional('member', { type: 'string', describe: 'Member id <pool>/<member> (default: all with a warm-up)' })
      .option('json', { type: 'boolean', default: false, describe: "Print the server's JSON" }) as never,
  handler: (args) => {
    if (args.member !== undefined) checkMemberId(args.member);
    return runServerCommand(args, async (client, io) => {
      const list = args.member === undefined
        ? (await call<{ warmUps: WarmUp[] }>(client, 'GET', '/api/warmups')).warmUps
        : [await call<WarmUp>(client, 'GET', `/api/members/${encodeURIComponent(args.member)}/warmup`)];
      if (args.json) io.out.write(`${JSON.stringify(args.member === undefined ? { warmUps: list } : list[0], null, 2)}\n`);
      else io.out.write(list.length === 0 ? 'no member has a warm-up\n' : list.map((w) => `${warmUpLine(w)}\n`).join(''));
    });
  },
};

interface ActionArgs extends ChangeArgs {
  reason?: string;
}

function actionCommand(action: 'pause' | 'resume' | 'restart' | 'finish', describe: string): CommandModule<object, ActionArgs> {
  return {
    command: `${action} <member>`,
    describe,
    builder: (y) => changeOptions(y).option('reason', { type: 'string', describe: 'Why (recorded in the audit log)' }) as never,
    handler: (args) => {
      checkMemberId(args.member);
      if (args.reason !== undefined && args.reason.trim() === '') throw new MxlbError('usage', '--reason must not be empty');
      return runServerCommand(args, async (client, io) => {
        const result = await call<WarmUp & { action: string }>(client, 'POST', `/api/members/${encodeURIComponent(args.member)}/warmup`, { action, ...(args.reason ? { reason: args.reason } : {}) });
        io.out.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${warmUpLine(result)}\n`);
      });
    },
  };
}

export const memberWarmupCommand: CommandModule = {
  command: 'warmup',
  describe: 'Warm-ups of new IPs: status, pause, resume, restart, finish',
  builder: (y: Argv) =>
    y
      .command(statusCommand)
      .command(actionCommand('pause', 'Pause a warm-up: its calendar stops on today (audited)'))
      .command(actionCommand('resume', 'Resume a paused warm-up on the day it stopped at (audited)'))
      .command(actionCommand('restart', 'Restart a warm-up at day 1 today (audited)'))
      .command(actionCommand('finish', 'End a warm-up now: the member gets its full weight (audited)'))
      .demandCommand(1, 'Name a warmup subcommand: status, pause, resume, restart or finish.'),
  handler: () => {},
};
