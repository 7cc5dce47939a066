import type { CommandModule } from 'yargs';
import { serveConfig, formatEndpoint } from '../config.ts';
import { createLogger } from '../log.ts';
import { startMxlb } from '../main.ts';

interface ServeArgs {
  zones?: string;
  dns?: string[];
  http?: string;
  'log-level'?: string;
  'state-file'?: string;
  'ehlo-name'?: string;
  'admin-token'?: string;
  'admin-token-file'?: string;
}

/** `mxlb serve`: runs the DNS and HTTP listeners until SIGTERM/SIGINT; SIGHUP reloads zones. */
export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Serve the zones in a folder over DNS (UDP and TCP) with an HTTP status endpoint',
  builder: (y) =>
    y
      .option('zones', { type: 'string', describe: 'Zones folder (env MXLB_ZONES)', default: undefined, defaultDescription: './zones' })
      .option('dns', { type: 'string', array: true, describe: 'DNS listen address HOST:PORT, repeatable (env MXLB_DNS, comma list)', defaultDescription: '127.0.0.1:5353' })
      .option('http', { type: 'string', describe: 'HTTP listen address HOST:PORT (env MXLB_HTTP)', defaultDescription: '127.0.0.1:8053' })
      .option('state-file', { type: 'string', describe: "State file for last-known health, overrides and audit; '' for none (env MXLB_STATE_FILE)", defaultDescription: './.mxlb-state.json' })
      .option('ehlo-name', { type: 'string', describe: 'EHLO name of probes unless a zone sets one (env MXLB_EHLO_NAME)', defaultDescription: 'this host name' })
      .option('admin-token', { type: 'string', describe: 'Bearer token for admin API writes, at least 16 characters; prefer the env or a file, a flag shows in ps (env MXLB_ADMIN_TOKEN)' })
      .option('admin-token-file', { type: 'string', describe: 'File of admin tokens, one TOKEN or HOLDER TOKEN per line (env MXLB_ADMIN_TOKEN_FILE)' })
      .option('log-level', { type: 'string', describe: 'fatal|error|warn|info|debug|trace|silent (env MXLB_LOG_LEVEL)', defaultDescription: 'info' })
      .example('$0 serve --zones ./zones --dns 127.0.0.1:53 --dns [::1]:53', 'Serve on port 53 over IPv4 and IPv6'),
  handler: async (args) => {
    const config = serveConfig({
      zones: args.zones, dns: args.dns, http: args.http, logLevel: args['log-level'], stateFile: args['state-file'], ehloName: args['ehlo-name'],
      adminToken: args['admin-token'], adminTokenFile: args['admin-token-file'],
    });
    const logger = createLogger(config.logLevel);
    const running = await startMxlb(config, logger);
    logger.info(
      { dns: running.dnsEndpoints.map(formatEndpoint), http: formatEndpoint(running.httpEndpoint), zones: config.zonesDir },
      'mxlb serving',
    );
    process.on('SIGHUP', () => running.reload('SIGHUP'));
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        running.close().then(resolve, (error: unknown) => {
          logger.error({ err: error }, 'error during shutdown');
          process.exitCode = 1;
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  },
};
