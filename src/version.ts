import { readFileSync } from 'node:fs';

/**
 * mxlb's version, from package.json, read once at first use: `/status` and `mxlb_build_info` report
 * which build is answering. `unknown` when package.json cannot be read (never throws).
 */
let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      cached = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
