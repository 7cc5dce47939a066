import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { Logger } from '../../log.ts';
import { defaultParsers, formatSourceError, scanZoneDir, type LastGood, type ZoneDirResult } from './scan-dir.ts';
import type { ZoneFileParser } from './zone-files.ts';
import type { ZoneSet } from '../model.ts';

export interface ZoneLoaderOptions {
  /** The zones folder. */
  dir: string;
  logger: Logger;
  /** Zone parsers by file extension (default: master files, `.zone`). */
  parsers?: ReadonlyMap<string, ZoneFileParser>;
  /** Quiet time after the last file event before reloading, so an editor's save is one reload. */
  debounceMs?: number;
  /**
   * A changed file loads only once the folders' files (names, sizes, mtimes) looked the same twice
   * this far apart (default 500 ms; 0 loads right after the debounce). It keeps a file that is
   * being written in place, and pauses mid-write, from being served half written.
   */
  settleMs?: number;
}

/** Default settle time: longer than the pauses of a writer that flushes record by record. */
export const DEFAULT_ZONE_SETTLE_MS = 500;

export interface ZoneReloadReport extends ZoneDirResult {
  /** Why this reload ran: 'start', 'file change', 'SIGHUP', … */
  reason: string;
  /** False when the served zones are exactly the objects served before (nothing to swap). */
  changed: boolean;
  /** Files whose zone left the set because the file is gone. */
  removed: string[];
}

export type ZoneChangeListener = (zones: ZoneSet, report: ZoneReloadReport) => void;

/**
 * The long-lived zones folder loader (edge: file watching and timers).
 * Contract: `current()` always returns a complete ZoneSet, swapped as a whole after each reload and
 * the same object while nothing changed. A file that stops parsing keeps serving its last good
 * zone and its error is logged as `file:line: reason`; a deleted file's zone goes away. Reloads run
 * on `reload(reason)` (the server calls it on SIGHUP) and, after `start()`, when anything in the
 * watched folders changes (debounced; editors that save by rename-and-replace are fine because the
 * folder, not the file, is watched). A file change loads only after the folders' files stopped
 * changing for `settleMs` (size and mtime the same at two looks that far apart), so an in-place
 * write that pauses keeps the old zone serving; a reload whose zone content changed under an
 * unchanged SOA serial is logged as a warning (secondaries would not transfer it). Listeners hear about every reload, `report.changed` says
 * whether the zones differ; a throwing listener is logged and does not stop the others.
 */
export class ZoneLoader {
  readonly #dir: string;
  readonly #logger: Logger;
  readonly #parsers: ReadonlyMap<string, ZoneFileParser>;
  readonly #debounceMs: number;
  readonly #settleMs: number;
  #set: ZoneSet = { zones: new Map() };
  #lastGood = new Map<string, LastGood>();
  /** Files whose last reload reported an error (kept or failed): a later clean load is a recovery. */
  #failing = new Set<string>();
  readonly #listeners = new Set<ZoneChangeListener>();
  /** Watched folder → watcher and the folder's inode, to notice a folder replaced by another. */
  readonly #watchers = new Map<string, { watcher: FSWatcher; ino: number }>();
  #timer: NodeJS.Timeout | undefined;
  #watching = false;
  #closed = false;

  constructor(opts: ZoneLoaderOptions) {
    this.#dir = opts.dir;
    this.#logger = opts.logger;
    this.#parsers = opts.parsers ?? defaultParsers;
    this.#debounceMs = opts.debounceMs ?? 150;
    this.#settleMs = opts.settleMs ?? DEFAULT_ZONE_SETTLE_MS;
  }

  /** Loads the folder and starts watching it. Resolves with the first report (errors included; it never rejects). */
  async start(): Promise<ZoneReloadReport> {
    this.#watching = true;
    return this.reload('start');
  }

  current(): ZoneSet {
    return this.#set;
  }

  onChange(listener: ZoneChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-reads every zone file now. Never rejects; after close() it changes nothing. */
  async reload(reason: string): Promise<ZoneReloadReport> {
    if (this.#closed) return { reason, changed: false, removed: [], zones: new Map(this.#set.zones), errors: [], files: [] };
    clearTimeout(this.#timer);
    const previous = this.#lastGood;
    const scan = scanZoneDir(this.#dir, { parsers: this.#parsers, lastGood: previous });
    const removed = [...this.#lastGood.keys()].filter((file) => !scan.lastGood.has(file));
    const before = this.#set.zones;
    const changed = scan.zones.size !== before.size || [...scan.zones].some(([origin, zone]) => before.get(origin) !== zone);
    this.#lastGood = scan.lastGood;
    if (changed) this.#set = { zones: scan.zones };
    const report: ZoneReloadReport = { reason, changed, removed, zones: scan.zones, errors: scan.errors, files: scan.files };
    this.#log(report, previous);
    if (this.#watching) this.#watch(scan.folders);
    for (const listener of this.#listeners) {
      try {
        listener(this.#set, report);
      } catch (error) {
        this.#logger.error({ err: error }, 'zone change listener failed');
      }
    }
    return report;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const { watcher } of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    this.#listeners.clear();
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#settle(undefined, 0), this.#debounceMs);
    this.#timer.unref();
  }

  /**
   * Reloads once two looks `settleMs` apart saw the same files. A file that never stops changing
   * does not hold reloads back for ever: after MAX_SETTLE_LOOKS looks the reload runs anyway (a
   * file that does not parse then keeps its last good zone, as always).
   */
  #settle(before: string | undefined, looks = 0): void {
    if (this.#closed) return;
    if (this.#settleMs <= 0) {
      void this.reload('file change');
      return;
    }
    const now = look(this.#dir, [...this.#watchers.keys()], this.#parsers);
    if (before === now || looks >= MAX_SETTLE_LOOKS) {
      if (before !== now) this.#logger.warn({ settleMs: this.#settleMs, looks }, 'zone files kept changing; reloading without waiting longer');
      void this.reload('file change');
      return;
    }
    if (before !== undefined) this.#logger.debug({ settleMs: this.#settleMs }, 'zone files still changing; waiting for them to settle');
    this.#timer = setTimeout(() => this.#settle(now, looks + 1), this.#settleMs);
    this.#timer.unref();
  }

  /** Watches exactly `folders` (the zones folder and folders of included files); re-watches a replaced folder. */
  #watch(folders: Set<string>): void {
    for (const [folder, entry] of this.#watchers) {
      if (!folders.has(folder) || inode(folder) !== entry.ino) {
        entry.watcher.close();
        this.#watchers.delete(folder);
      }
    }
    for (const folder of folders) {
      if (this.#watchers.has(folder)) continue;
      const ino = inode(folder);
      if (ino === undefined) continue; // gone; the next reload (SIGHUP or an event elsewhere) tries again
      try {
        const watcher = watch(folder, { persistent: false }, () => this.#schedule());
        watcher.on('error', (error) => {
          this.#logger.warn({ err: error, folder }, 'zone folder watch failed; reloading');
          watcher.close();
          this.#watchers.delete(folder);
          this.#schedule();
        });
        this.#watchers.set(folder, { watcher, ino });
      } catch (error) {
        this.#logger.warn({ err: error, folder }, 'cannot watch zone folder; changes load on SIGHUP');
      }
    }
  }

  #log(report: ZoneReloadReport, previous: ReadonlyMap<string, LastGood>): void {
    const log = this.#logger;
    for (const error of report.errors) {
      const kept = report.files.find((f) => f.error === error)?.status === 'kept';
      log.error({ file: error.file, line: error.line, reason: error.reason, kept }, `${formatSourceError(error)}${kept ? ' (serving the last good version)' : ''}`);
    }
    for (const f of report.files) {
      if (f.status !== 'loaded') continue;
      log.info({ file: f.file, origin: f.origin, serial: f.serial, records: f.records }, `zone ${f.origin}. loaded`);
      if (this.#failing.has(f.file)) log.info({ file: f.file, origin: f.origin, serial: f.serial }, `zone ${f.origin}. recovered: ${f.file} loads again`);
      const before = previous.get(f.file)?.zone;
      if (before && before.origin === f.origin && before.soa.serial === f.serial) {
        // RFC 1996 / RFC 1034 §4.3.5: secondaries only transfer a zone whose serial went up.
        log.warn({ file: f.file, origin: f.origin, serial: f.serial }, `zone content changed but serial ${f.serial} did not (${f.origin}.): raise the SOA serial with every change`);
      }
    }
    for (const file of report.removed) log.info({ file }, 'zone file removed; its zone is no longer served');
    // What a reload found, in one line: at info for an operator's SIGHUP (they asked), else debug.
    const count = (status: string) => report.files.filter((f) => f.status === status).length;
    const summary = { reason: report.reason, changed: report.changed, zones: report.zones.size, loaded: count('loaded'), unchanged: count('unchanged'), failing: count('kept') + count('failed'), removed: report.removed.length };
    const text = `zones reloaded (${report.reason}): ${summary.loaded} loaded, ${summary.unchanged} unchanged, ${summary.failing} failing, ${summary.removed} removed`;
    if (report.reason === 'SIGHUP') log.info(summary, text);
    else log.debug(summary, text);
    this.#failing = new Set(report.files.filter((f) => f.status === 'kept' || f.status === 'failed').map((f) => f.file));
  }
}

/** Looks before a reload runs anyway, so a file rewritten every few hundred ms cannot stall reloads. */
const MAX_SETTLE_LOOKS = 20;

/**
 * Names, sizes and mtimes of the zone files in `dir` (dot-files, editor swap files and other
 * extensions left out) and of every file in the folders of included files: equal strings mean
 * nothing changed between two looks.
 */
function look(dir: string, includeFolders: readonly string[], parsers: ReadonlyMap<string, ZoneFileParser>): string {
  const parts: string[] = [];
  const zonesFolder = resolve(dir);
  for (const folder of [...new Set([zonesFolder, ...includeFolders])].sort()) {
    let names: string[];
    try {
      names = readdirSync(folder).sort();
    } catch {
      parts.push(`${folder}:unreadable`);
      continue;
    }
    for (const name of names) {
      if (name.startsWith('.') || (folder === zonesFolder && !parsers.has(extname(name)))) continue;
      try {
        const st = statSync(join(folder, name));
        if (st.isFile()) parts.push(`${folder}/${name}:${st.size}:${st.mtimeMs}`);
      } catch {
        parts.push(`${folder}/${name}:gone`);
      }
    }
  }
  return parts.join('\n');
}

function inode(folder: string): number | undefined {
  try {
    return statSync(folder).ino;
  } catch {
    return undefined;
  }
}
