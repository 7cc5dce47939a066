/**
 * `mxlb experiment list|show|start|stop|report`: A/B experiments of a running server
 * (docs/cli.md "mxlb experiment", docs/routing.md "A/B experiments"). Exit codes as every command:
 * 0 done; 1 refused (unknown experiment, no token, server error); 2 usage (unknown subcommand or
 * flag, a --split that is not ARM=PERCENT,… or does not fit the arms); 3 server unreachable.
 */
import type { Argv, CommandModule } from 'yargs';
import { MxlbError } from '../errors.ts';
import { call, ClientError, clientOptions, EXIT, type ClientArgs } from './client.ts';
import { listText, reportText, statusText, type ExperimentView, type ReportView } from './experiment-format.ts';
import { runServerCommand } from './member-run.ts';

interface Args extends ClientArgs {
  json: boolean;
  name?: string;
  split?: string;
  reason?: string;
  'min-sample'?: number;
}

const json = <T>(y: Argv<T>) => y.option('json', { type: 'boolean', default: false, describe: "Print the server's JSON" });
const named = <T>(y: Argv<T>) => y.positional('name', { type: 'string', demandOption: true, describe: 'The experiment (its "name:" in the zone)' });
const path = (name: string, tail = '') => `/experiments/${encodeURIComponent(name)}${tail}`;

/** A 400 from a write is the operator's input (a split that does not fit): a usage error. */
async function usageOn400<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ClientError && error.status === 400) throw new ClientError(error.message, EXIT.usage, 400);
    throw error;
  }
}

const list: CommandModule<object, Args> = {
  command: 'list',
  describe: 'Every experiment of the served zones: state, split, answers per arm',
  builder: (y) => json(clientOptions(y)) as Argv<Args>,
  handler: (args) =>
    runServerCommand(args, async (client, io) => {
      const body = await call<{ experiments: ExperimentView[] }>(client, 'GET', '/experiments');
      io.out.write(args.json ? `${JSON.stringify(body, null, 2)}\n` : listText(body.experiments));
    }),
};

const show: CommandModule<object, Args> = {
  command: 'show <name>',
  describe: 'One experiment: state, why, split, arms',
  builder: (y) => named(json(clientOptions(y))) as Argv<Args>,
  handler: (args) =>
    runServerCommand(args, async (client, io) => {
      const e = await call<ExperimentView>(client, 'GET', path(args.name!));
      io.out.write(args.json ? `${JSON.stringify(e, null, 2)}\n` : statusText(e));
    }),
};

const start: CommandModule<object, Args> = {
  command: 'start <name>',
  describe: 'Start an experiment (or change its split): clients get their arm at once',
  builder: (y) =>
    named(json(clientOptions(y)))
      .option('split', { type: 'string', describe: 'Percent per arm, summing to 100: A=60,B=40 (default: the zone\'s)' })
      .option('reason', { type: 'string', describe: 'Why, for the audit log' })
      .example('$0 experiment start pools-ab --split A=40,B=60 --reason "more to B"', 'Move the clients between the 40 % and 50 % points from A to B') as Argv<Args>,
  handler: (args) => {
    if (args.split !== undefined && !/^\s*[^=,\s]+\s*=\s*\d{1,3}%?\s*(,\s*[^=,\s]+\s*=\s*\d{1,3}%?\s*)+$/.test(args.split)) {
      throw new MxlbError('usage', `--split "${args.split}": write ARM=PERCENT for every arm, e.g. A=60,B=40`);
    }
    return runServerCommand(args, async (client, io) => {
      const body = { ...(args.split !== undefined ? { split: args.split } : {}), ...(args.reason ? { reason: args.reason } : {}) };
      const result = await usageOn400(() => call<{ experiment: ExperimentView }>(client, 'POST', `/api/experiments/${encodeURIComponent(args.name!)}/start`, body));
      io.out.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : statusText(result.experiment));
    });
  },
};

const stop: CommandModule<object, Args> = {
  command: 'stop <name>',
  describe: "Stop an experiment: every client gets the name's normal answer again",
  builder: (y) => named(json(clientOptions(y))).option('reason', { type: 'string', describe: 'Why, for the audit log' }) as Argv<Args>,
  handler: (args) =>
    runServerCommand(args, async (client, io) => {
      const result = await usageOn400(() => call<{ experiment: ExperimentView }>(client, 'POST', `/api/experiments/${encodeURIComponent(args.name!)}/stop`, args.reason ? { reason: args.reason } : {}));
      io.out.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : statusText(result.experiment));
    }),
};

const report: CommandModule<object, Args> = {
  command: 'report <name>',
  describe: 'Per-arm samples, delivery rates with 95 % intervals, delays, tests between arms, the verdict',
  builder: (y) =>
    named(json(clientOptions(y))).option('min-sample', { type: 'number', describe: 'Samples each arm needs before a winner is named (default 100, at least 10)' }) as Argv<Args>,
  handler: (args) => {
    const min = args['min-sample'];
    if (min !== undefined && !(Number.isInteger(min) && min >= 10)) throw new MxlbError('usage', `--min-sample ${min}: a whole number of at least 10`);
    return runServerCommand(args, async (client, io) => {
      const r = await call<ReportView>(client, 'GET', path(args.name!, `/report${min !== undefined ? `?min-sample=${min}` : ''}`));
      io.out.write(args.json ? `${JSON.stringify(r, null, 2)}\n` : reportText(r));
    });
  },
};

export const experimentCommand: CommandModule = {
  command: 'experiment',
  describe: 'A/B experiments on balanced names: list, show, start, stop, report',
  builder: (y: Argv) =>
    y
      .command(list as unknown as CommandModule)
      .command(show as unknown as CommandModule)
      .command(start as unknown as CommandModule)
      .command(stop as unknown as CommandModule)
      .command(report as unknown as CommandModule)
      .demandCommand(1, 'Name an experiment subcommand: list, show, start, stop or report.')
      .strictCommands(),
  handler: () => {},
};
