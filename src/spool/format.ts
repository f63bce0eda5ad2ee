/**
 * The spool's format version, kept in `<spool>/.format` as one line
 * `tfgw-spool <major>.<minor>` (docs/SPOOL.md). Scripts and other writers read it to
 * tell when the layout they were written against has changed; tfgw reads it at start
 * so that it never runs on a spool laid out by a newer, incompatible version. A minor
 * version only adds things an older reader may ignore, so any minor is accepted.
 * Version 2 put the node id into every name that carries a process id (names.ts);
 * an empty version 1 spool (no identity in it) is taken over as version 2.
 */
import { linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { INBOXES, TMP } from './layout';
import { localNodeId, processKey } from './names';

export const FORMAT_FILE = '.format';

export interface SpoolFormat {
  major: number;
  minor: number;
}

export const CURRENT_FORMAT: Readonly<SpoolFormat> = Object.freeze({ major: 2, minor: 0 });

const FORMAT_LINE = /^tfgw-spool (0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;

export function formatLine(format: SpoolFormat): string {
  return `tfgw-spool ${format.major}.${format.minor}\n`;
}

/**
 * The version in a `.format` file's text, or null when its first line is not a format
 * line. Later lines are reserved for minor versions and ignored.
 */
export function parseFormat(text: string): SpoolFormat | null {
  const newline = text.indexOf('\n');
  const first = newline === -1 ? text : text.slice(0, newline);
  const match = FORMAT_LINE.exec(first);
  if (match === null) return null;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/**
 * Makes sure the spool at `root` is one this tfgw can use: writes `.format` when there
 * is none (a new spool, or one from before the file existed, whose layout is 1.0), and
 * otherwise checks the version in it. Throws an Error that says what to do when the
 * file is unreadable, garbled, or of another major version. Returns the spool's version.
 */
export function ensureFormat(root: string, node: string = localNodeId()): SpoolFormat {
  const file = path.join(root, FORMAT_FILE);
  const existing = readFormatFile(file);
  if (existing !== null) {
    if (parseFormat(existing)?.major === 1 && isEmptySpool(root)) return upgradeFormatFile(root, file, node);
    return checkFormat(file, existing);
  }
  if (createFormatFile(root, file, node)) return { ...CURRENT_FORMAT };
  // Another process created it between our read and our link: check theirs.
  return checkFormat(file, readFormatFile(file) ?? '');
}

/** No identity link and no inbox: nothing in the spool depends on the old names. */
function isEmptySpool(root: string): boolean {
  try {
    if (readdirSync(root).some((name) => !name.startsWith('.'))) return false;
    return readdirSync(path.join(root, INBOXES)).length === 0;
  } catch {
    return true;
  }
}

/** Replaces an empty version 1 spool's `.format` with this version's, atomically. */
function upgradeFormatFile(root: string, file: string, node: string): SpoolFormat {
  const staging = path.join(root, TMP, processKey(node, process.pid));
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  const aside = path.join(staging, 'format');
  try {
    writeFileSync(aside, formatLine(CURRENT_FORMAT), { mode: 0o644 });
    renameSync(aside, file);
  } finally {
    rmSync(aside, { force: true });
    removeIfEmpty(staging);
  }
  return { ...CURRENT_FORMAT };
}

/** The file's text, or null when there is none; any other failure to read it throws. */
function readFormatFile(file: string): string | null {
  try {
    return readFileSync(file, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the spool format file ${file}: ${(err as Error).message}`);
  }
}

function checkFormat(file: string, text: string): SpoolFormat {
  const format = parseFormat(text);
  const expected = formatLine(CURRENT_FORMAT).trim();
  if (format === null) {
    throw new Error(
      `the spool format file ${file} is garbled (its first line should read "${expected}", ` +
        `got ${JSON.stringify(text.slice(0, 40))}); fix or remove it, or use another --spool directory`,
    );
  }
  if (format.major > CURRENT_FORMAT.major) {
    throw new Error(
      `the spool ${path.dirname(file)} has format ${format.major}.${format.minor}, newer than this tfgw ` +
        `understands (major version ${CURRENT_FORMAT.major}): run a newer tfgw on it, or use another --spool directory`,
    );
  }
  if (format.major < CURRENT_FORMAT.major) {
    throw new Error(
      `the spool ${path.dirname(file)} has format ${format.major}.${format.minor}, older than this tfgw ` +
        `understands (major version ${CURRENT_FORMAT.major}) and still holds identities: stop the servers using it ` +
        'so that it empties (this tfgw then takes it over), or use another --spool directory',
    );
  }
  return format;
}

/**
 * Writes the whole file aside and hard-links it into place: a link never replaces an
 * existing file, so of two processes starting on a new spool one wins and the other
 * reads the winner's file. False when the file appeared meanwhile.
 */
function createFormatFile(root: string, file: string, node: string): boolean {
  const staging = path.join(root, TMP, processKey(node, process.pid));
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  const aside = path.join(staging, 'format');
  writeFileSync(aside, formatLine(CURRENT_FORMAT), { mode: 0o644 });
  try {
    linkSync(aside, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`cannot create the spool format file ${file}: ${(err as Error).message}`);
  } finally {
    rmSync(aside, { force: true });
    removeIfEmpty(staging);
  }
}

/** A stopped server leaves nothing under the spool's hidden directories. */
function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // In use by this process for other files: it is removed with them.
  }
}
