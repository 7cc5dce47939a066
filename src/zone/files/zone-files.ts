import { realpathSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SourceError } from '../../errors.ts';
import type { IncludeReader } from '../master/master-parser.ts';
import type { Name, Zone } from '../model.ts';
import { parseName } from '../master/rdata-parser.ts';

/**
 * How zone files relate to names and to each other (pure path logic plus `realpath`): a file's
 * name gives its origin, `$INCLUDE` stays inside the zones folder, and `<name>.yaml` takes its
 * static records from the sibling `<name>.zone`.
 */

/** What a zone parser may use: the zones folder (the `$INCLUDE` root) and a reader that records what it read. */
export interface ZoneFileContext {
  zonesDir: string;
  /** Reads a file as UTF-8; everything read this way decides whether the zone changed. */
  read(path: string): string;
  /** Whether a file exists (a YAML zone's optional sibling); read it with `read` so it counts. */
  exists(path: string): boolean;
}

/** Parses one zone file. Contract: returns a built Zone or throws SourceError(file, line, reason). */
export type ZoneFileParser = (path: string, ctx: ZoneFileContext) => Zone;

/** Extensions of balanced (YAML) zone files. */
export const YAML_EXTENSIONS: readonly string[] = ['.yaml', '.yml'];

/** `relay.example.com.zone` → `relay.example.com`; undefined when the name is not a domain name. */
export function originFromFileName(path: string): Name | undefined {
  const base = basename(path, extname(path));
  try {
    return parseName({ text: base.endsWith('.') ? base : `${base}.`, quoted: false, line: 0 }, '');
  } catch {
    return undefined;
  }
}

/** The master file a YAML zone takes its static records from: `x.yaml` → `x.zone` in the same folder. */
export function siblingZoneFile(yamlPath: string): string {
  return join(dirname(yamlPath), `${basename(yamlPath, extname(yamlPath))}.zone`);
}

/** The reader functions an include reader needs from the loader's context. */
export interface IncludeContext {
  zonesDir: string;
  read(path: string): string;
}

/**
 * `$INCLUDE` paths are relative to the zones folder (like BIND's `directory`) and must stay inside
 * it, also through symbolic links; the file's name in messages is its path under the folder.
 */
export function includeReader(ctx: IncludeContext): IncludeReader {
  return (relPath) => {
    if (isAbsolute(relPath)) throw new Error(`$INCLUDE ${relPath}: the path must be relative to the zones folder`);
    const root = resolve(ctx.zonesDir);
    const target = resolve(root, relPath);
    if (!inside(target, root)) throw new Error(`$INCLUDE ${relPath}: outside the zones folder`);
    let realTarget: string;
    try {
      realTarget = realpathSync(target);
    } catch (error) {
      throw new Error(`$INCLUDE ${relPath}: ${describeFsError(error)}`);
    }
    const realRoot = realpathSync(root);
    if (!inside(realTarget, realRoot)) throw new Error(`$INCLUDE ${relPath}: outside the zones folder (through a link)`);
    const file = join(ctx.zonesDir, relative(realRoot, realTarget));
    try {
      return { text: ctx.read(file), file };
    } catch (error) {
      throw new Error(`$INCLUDE ${relPath}: ${describeFsError(error)}`); // reported at the $INCLUDE line
    }
  };
}

function inside(path: string, root: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** A file system error in words an operator knows. */
export function describeFsError(error: unknown): string {
  if (error instanceof SourceError) return error.reason;
  const code = (error as { code?: unknown })?.code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder';
  return error instanceof Error ? error.message : String(error);
}
