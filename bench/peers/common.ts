/**
 * What the failover benchmark needs to run a DNS server as a child process on loopback: a free
 * port, "is the binary installed", "does it answer yet", and a stop that always ends the process.
 *
 * Contract of a started server (`DnsPeer`): it listens on 127.0.0.1:`port` (UDP) and answers
 * `A <name>` for the balanced name it was given; `stop()` resolves once the process has exited
 * (SIGTERM, SIGKILL after 5 s) and is safe to call twice.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';

export interface DnsPeer {
  /** Column name in the results: `mxlb`, `pdns`, `gdnsd`. */
  name: string;
  port: number;
  /** The health-check profile it runs, in words, for the report. */
  profile: string;
  stop(): Promise<void>;
}

/** What every peer is started with: the MTAs' addresses and their common SMTP port. */
export interface PeerSetup {
  /** Scratch folder owned by this peer (created by the caller, removed by the caller). */
  dir: string;
  /** Zone origin, e.g. `relay.test`; the balanced name is `smtp.<origin>`. */
  origin: string;
  addresses: readonly string[];
  mtaPort: number;
}

/** Absolute path of an installed binary, or undefined (`command -v`). */
export function which(binary: string): string | undefined {
  try {
    const out = execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim();
    return out === '' ? undefined : out;
  } catch {
    return undefined;
  }
}

/** A port free for UDP right now on 127.0.0.1 (the peer binds it a moment later; TCP too). */
export async function freePort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', () => done()));
  const { port } = socket.address();
  await new Promise<void>((done) => socket.close(() => done()));
  return port;
}

/** Polls with a real query (". SOA") until the server replies at all, or throws at the deadline. */
export async function waitAnswering(port: number, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const query = Buffer.from([0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before answering on port ${port}`);
    const socket = dgram.createSocket('udp4');
    const answered = await new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), 200);
      socket.once('message', () => {
        clearTimeout(timer);
        done(true);
      });
      socket.send(query, port, '127.0.0.1');
    });
    socket.close();
    if (answered) return;
  }
  throw new Error(`no DNS answer on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

export function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      child.kill('SIGTERM');
    });
}

/** Keeps the last `max` characters of a child's output, for the error when it fails to start. */
export function tail(child: ChildProcess, max = 4000): () => string {
  let text = '';
  const keep = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-max);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}
