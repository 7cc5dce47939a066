/**
 * Runs the real `dig` (BIND 9) and `kdig` (Knot) against a loopback server and reads the parts of
 * their output the tests assert on. Both print a `->>HEADER<<-` line, a flags line and sections.
 */
import { execFile } from 'node:child_process';

export interface DigResult {
  stdout: string;
  opcode: string;
  status: string;
  id: number;
  flags: Set<string>;
  counts: { query: number; answer: number; authority: number; additional: number };
  /** Records of each section as whitespace-split fields: [owner, ttl, class, type, ...rdata]. */
  answer: string[][];
  authority: string[][];
  additional: string[][];
  /** True when the reply carried an OPT (both tools print an OPT pseudosection). */
  opt: boolean;
  /** dig's `Truncated, retrying in TCP mode.` line. */
  retriedOverTcp: boolean;
}

function run(tool: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      // dig exits 9 on "no servers could be reached"; the tests want to see that as a failure.
      if (error) reject(new Error(`${tool} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** `dig @server -p port <args>` with one try and a short wait. */
export async function dig(server: string, port: number, args: string[], timeoutMs = 8000): Promise<DigResult> {
  return parse(await run('dig', [`@${server}`, '-p', String(port), '+time=2', '+tries=1', ...args], timeoutMs));
}

/** `kdig @server -p port <args>` with one try and a short wait. */
export async function kdig(server: string, port: number, args: string[], timeoutMs = 8000): Promise<DigResult> {
  return parse(await run('kdig', [`@${server}`, '-p', String(port), '+time=2', '+retry=0', ...args], timeoutMs));
}

/** Parses the last reply printed (dig prints the UDP and the TCP reply after a TC retry only once). */
export function parse(stdout: string): DigResult {
  const header = /->>HEADER<<- opcode: (\w+)[,;] status: (\w+)[,;] id: (\d+)/.exec(stdout);
  if (!header) throw new Error(`no reply header in:\n${stdout}`);
  const flagsLine = /;; [Ff]lags: ([^;]*);\s*QUERY: (\d+)[,;] ANSWER: (\d+)[,;] AUTHORITY: (\d+)[,;] ADDITIONAL: (\d+)/.exec(stdout);
  if (!flagsLine) throw new Error(`no flags line in:\n${stdout}`);
  return {
    stdout,
    opcode: header[1]!,
    status: header[2]!,
    id: Number(header[3]),
    flags: new Set(flagsLine[1]!.trim().split(/\s+/).filter((f) => f !== '')),
    counts: { query: Number(flagsLine[2]), answer: Number(flagsLine[3]), authority: Number(flagsLine[4]), additional: Number(flagsLine[5]) },
    answer: section(stdout, 'ANSWER'),
    authority: section(stdout, 'AUTHORITY'),
    additional: section(stdout, 'ADDITIONAL'),
    opt: /OPT PSEUDOSECTION/.test(stdout),
    retriedOverTcp: /Truncated, retrying in TCP mode/.test(stdout),
  };
}

function section(stdout: string, name: string): string[][] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`;; ${name} SECTION:`));
  if (start < 0) return [];
  const records: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.startsWith(';;')) break;
    records.push(line.trim().split(/\s+/));
  }
  return records;
}
