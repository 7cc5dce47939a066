import yargs, { type Argv } from 'yargs';
import { MxlbError } from '../errors.ts';
import type { CommandModule } from 'yargs';
import { flagSuggestions } from './suggest.ts';
import { versionLine } from '../version.ts';

/**
 * The `mxlb` command line. Exit codes, the same for every command: 0 success; 1 what was checked
 * is unhealthy or invalid, or the operation failed; 2 usage error (unknown command or flag, bad
 * value); 3 a command that talks to a running server could not reach it. Command modules set
 * process.exitCode themselves for 0/1/3; usage errors end here.
 */
export function buildCli(argv: string[], commands: readonly CommandModule[]): Argv {
  let cli = yargs(argv)
    .scriptName('mxlb')
    .usage('$0 <command> [options]\n\nAuthoritative DNS that load-balances outbound SMTP relays.');
  for (const command of commands) cli = cli.command(command as CommandModule<object, object>);
  return cli
    .demandCommand(1, 'Name a command.')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(versionLine())
    // yargs lays out the whole help text after every command starts (it caches it for a later
    // showHelp): for `serve`'s many options that was ~60 ms of start-up spent wrapping text nobody
    // reads. Wrapped to the terminal only when help is asked for.
    .wrap(wantsHelp(argv) ? Math.min(100, process.stdout.columns || 100) : null)
    .fail((message, error, usage) => {
      if (error && !(error instanceof MxlbError && error.code === 'usage')) throw error;
      // yargs hands its usage object here: its descriptions are the failing command's options.
      const known = Object.keys((usage as unknown as { getDescriptions?: () => Record<string, unknown> }).getDescriptions?.() ?? {});
      const hints = message ? flagSuggestions(message, known).map((h) => `${h}\n`).join('') : '';
      process.stderr.write(`mxlb: ${message ?? error?.message}\n${hints}Run "mxlb --help" for usage.\n`);
      process.exit(2);
    });
}

/** Whether the command line asks for help or usage text (then it is laid out for the terminal). */
function wantsHelp(argv: readonly string[]): boolean {
  return argv.length === 0 || argv.some((arg) => arg === '--help' || arg === '-h' || arg === 'help');
}

/**
 * The commands, loaded for what was asked: `mxlb signals …` (the log follower, long-running on MTA
 * hosts) loads only its own modules, so it starts without the server, the zone tools and Redis in
 * memory (about 57 MB instead of 88 MB of RSS, compiled); everything else loads every command.
 */
async function commandsFor(argv: readonly string[]): Promise<CommandModule[]> {
  if (argv[0] === 'signals') return [(await import('./signals.ts')).signalsCommand];
  // `serve` (the long-running server) likewise: the zone, member and reputation tools stay out of
  // its memory (docs/decisions.md "Idle memory and start-up").
  if (argv[0] === 'serve') return [(await import('./serve.ts')).serveCommand as CommandModule];
  const [serve, zone, init, probe, member, status, explain, signals, reputation, experiment] = await Promise.all([
    import('./serve.ts'), import('./zone.ts'), import('./init.ts'), import('./probe.ts'), import('./member.ts'),
    import('./status.ts'), import('./explain.ts'), import('./signals.ts'), import('./reputation.ts'), import('./experiment.ts'),
  ]);
  return [serve.serveCommand, zone.zoneCommand, init.initCommand, probe.probeCommand, member.memberCommand, status.statusCommand, explain.explainCommand, signals.signalsCommand, reputation.reputationCommand, experiment.experimentCommand] as CommandModule[];
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli(argv, await commandsFor(argv)).parseAsync();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mxlb: ${message}\n`);
    process.exitCode = error instanceof MxlbError && error.code === 'usage' ? 2 : 1;
  }
}
