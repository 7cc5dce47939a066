/**
 * A private Debian Postfix for tests (../shared/notes/postfix-in-tests.md): its own configuration
 * and queue directory, `maillog_file` inside it, no listener unless `options.services` adds one
 * (mail is injected with `sendmail -C`), everything relayed to one loopback sink. Needs root and /usr/sbin/postfix: `postfixUsable()`
 * says whether the machine has them. `stop()` is idempotent; call it in teardown.
 */
import { execFile } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const POSTFIX = '/usr/sbin/postfix';
const SENDMAIL = '/usr/sbin/sendmail';
const POSTQUEUE = '/usr/sbin/postqueue';

export interface PrivatePostfix {
  dir: string;
  maillog: string;
  send(from: string, to: string, subject: string): Promise<void>;
  /** `postqueue -f`: deferred mail now, dead destinations forgotten. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function postfixUsable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    accessSync(POSTFIX, constants.X_OK);
    accessSync('/etc/postfix/master.cf', constants.R_OK);
  } catch {
    return 'no /usr/sbin/postfix (apt-get install postfix)';
  }
  return undefined;
}

/** The stock master.cf without the port-25 smtpd and with no chroot (nothing is set up inside the queue). */
function masterCf(): string {
  return readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .filter((line) => !/^smtp\s+inet\s/.test(line))
    .map((line) => {
      const m = /^(\S+\s+\S+\s+\S+\s+\S+\s+)(\S+)(\s.*)$/.exec(line);
      return m && !line.startsWith('#') && !line.startsWith(' ') ? `${m[1]}n${m[3]}` : line;
    })
    .join('\n');
}

/**
 * `options.services`: extra master.cf lines, e.g. an smtpd listener on a loopback address
 * (`127.0.6.1:2525 inet n - n - - smtpd`: `inet_interfaces` refuses literal 127.x addresses other
 * than 127.0.0.1, a service line binds any).
 * `options.nameserver`: an IPv4 loopback address whose port 53 answers DNS. Postfix resolves through
 * the C library, which reads /etc/resolv.conf and knows no ports; so the instance is started in a
 * private mount namespace (`unshare --mount`) where a resolv.conf naming that address is
 * bind-mounted over /etc/resolv.conf. The master and every child it forks (smtp, …) see it; nothing
 * else on the machine does.
 */
export async function startPostfix(relay: { host: string; port: number }, extra: Record<string, string> = {}, options: { nameserver?: string; services?: string[] } = {}): Promise<PrivatePostfix> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-postfix-'));
  chmodSync(dir, 0o755);
  const queue = join(dir, 'queue');
  const data = join(dir, 'data');
  mkdirSync(queue);
  mkdirSync(data);
  const uid = Number((await run('id', ['-u', 'postfix'])).stdout.trim());
  chownSync(data, uid, 0);
  const maillog = join(dir, 'maillog');
  const settings: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: queue,
    data_directory: data,
    maillog_file: maillog,
    maillog_file_prefixes: dir,
    inet_interfaces: 'loopback-only',
    inet_protocols: 'ipv4',
    myhostname: 'mx1.test',
    mydomain: 'test',
    mydestination: '',
    alias_maps: '',
    alias_database: '',
    relayhost: `[${relay.host}]:${relay.port}`,
    disable_dns_lookups: 'yes',
    smtp_host_lookup: 'native',
    smtp_tls_security_level: 'none',
    queue_run_delay: '2s',
    minimal_backoff_time: '2s',
    maximal_backoff_time: '4s',
    syslog_name: 'postfix-out',
    ...extra,
  };
  writeFileSync(join(dir, 'main.cf'), Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n');
  writeFileSync(join(dir, 'master.cf'), [masterCf().trimEnd(), ...(options.services ?? [])].join('\n') + '\n');
  let running = false;
  const stop = async () => {
    if (running) {
      running = false;
      await run(POSTFIX, ['-c', dir, 'stop']).catch(() => undefined);
      // master stops its children within a few seconds; abort whatever is left.
      await run(POSTFIX, ['-c', dir, 'abort']).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run(POSTFIX, ['-c', dir, 'check']).catch(() => undefined);
    if (options.nameserver) {
      const resolvConf = join(dir, 'resolv.conf');
      writeFileSync(resolvConf, `nameserver ${options.nameserver}\noptions attempts:2 timeout:2\n`);
      await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /etc/resolv.conf && exec "$2" -c "$3" start', 'sh', resolvConf, POSTFIX, dir], { timeout: 30_000 });
    } else {
      await run(POSTFIX, ['-c', dir, 'start'], { timeout: 30_000 });
    }
    running = true;
  } catch (error) {
    const log = existsSync(maillog) ? readFileSync(maillog, 'utf8').slice(-2000) : '';
    await stop();
    throw new Error(`postfix did not start: ${(error as Error).message}\n${log}`);
  }
  const send = (from: string, to: string, subject: string) =>
    new Promise<void>((resolve, reject) => {
      const child = execFile(SENDMAIL, ['-C', dir, '-f', from, to], { timeout: 30_000 }, (error) => (error ? reject(error) : resolve()));
      child.stdin!.end(`From: ${from}\nTo: ${to}\nSubject: ${subject}\n\nhello\n`);
    });
  /** `postqueue -f`: deliver deferred mail now, and forget destinations the queue manager marked dead (as an operator does once a provider accepts again). */
  const flush = () => run(POSTQUEUE, ['-c', dir, '-f'], { timeout: 30_000 }).then(() => undefined);
  return { dir, maillog, send, flush, stop };
}
