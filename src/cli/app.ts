import yargs, { type Argv } from 'yargs';
import { MxlbError } from '../errors.ts';
import { explainCommand } from './explain.ts';
import { initCommand } from './init.ts';
import { flagSuggestions } from './suggest.ts';
import { memberCommand } from './member.ts';
import { probeCommand } from './probe.ts';
import { reputationCommand } from './reputation.ts';
import { serveCommand } from './serve.ts';
import { signalsCommand } from './signals.ts';
import { statusCommand } from './status.ts';
import { zoneCommand } from './zone.ts';
import { versionLine } from '../version.ts';

/**
 * The `mxlb` command line. Exit codes, the same for every command: 0 success; 1 what was checked
 * is unhealthy or invalid, or the operation failed; 2 usage error (unknown command or flag, bad
 * value); 3 a command that talks to a running server could not reach it. Command modules set
 * process.exitCode themselves for 0/1/3; usage errors end here.
 */
export function buildCli(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('mxlb')
    .usage('$0 <command> [options]\n\nAuthoritative DNS that load-balances outbound SMTP relays.')
    .command(serveCommand)
    .command(zoneCommand)
    .command(initCommand)
    .command(probeCommand)
    .command(memberCommand)
    .command(statusCommand)
    .command(explainCommand)
    .command(signalsCommand)
    .command(reputationCommand)
    .demandCommand(1, 'Name a command.')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(versionLine())
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((message, error, usage) => {
      if (error && !(error instanceof MxlbError && error.code === 'usage')) throw error;
      // yargs hands its usage object here: its descriptions are the failing command's options.
      const known = Object.keys((usage as unknown as { getDescriptions?: () => Record<string, unknown> }).getDescriptions?.() ?? {});
      const hints = message ? flagSuggestions(message, known).map((h) => `${h}\n`).join('') : '';
      process.stderr.write(`mxlb: ${message ?? error?.message}\n${hints}Run "mxlb --help" for usage.\n`);
      process.exit(2);
    });
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli(argv).parseAsync();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mxlb: ${message}\n`);
    process.exitCode = error instanceof MxlbError && error.code === 'usage' ? 2 : 1;
  }
}
