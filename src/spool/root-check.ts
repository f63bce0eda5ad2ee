/**
 * The spool directory is trusted input: the server follows its identity links and
 * renames files through them, so whoever can write it could point a link anywhere
 * the server's user may write. At start it must therefore be this user's own and
 * writable by nobody else; it is made (or set) 0700, so that no other local user
 * can even list who is in the gateway. A spool that cannot be written at all is
 * said to be read-only, not reported as whatever the first mkdir below it failed with.
 */
import { accessSync, chmodSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { systemErrorText } from '../log/system-error';

export const SPOOL_MODE = 0o700;

/** Creates or checks the spool root; throws an Error saying what is wrong and what to do. */
export function prepareSpoolRoot(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: SPOOL_MODE });
  } catch (err) {
    throw new Error(`cannot create spool directory ${dir}: ${readOnlyIn(dir) ?? systemErrorText(err)}`);
  }
  const st = statSync(dir);
  if (!st.isDirectory()) throw new Error(`spool directory ${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new Error(
      `spool directory ${dir} is owned by uid ${st.uid}, not by this server's user (uid ${uid}); its owner could plant links the server follows: use a spool of this user's own, or chown it`,
    );
  }
  const mode = st.mode & 0o777;
  if ((mode & 0o022) !== 0) {
    const who = (mode & 0o020 ? ['group'] : []).concat(mode & 0o002 ? ['others'] : []).join(' and ');
    throw new Error(
      `spool directory ${dir} is writable by ${who} (mode ${octal(mode)}); they could plant links the server follows: run chmod 700 ${dir}`,
    );
  }
  const readOnly = readOnlyIn(dir);
  if (readOnly !== null) throw new Error(`spool directory ${dir} cannot be used: ${readOnly}`);
  if (mode !== SPOOL_MODE) chmodSync(dir, SPOOL_MODE);
}

/** Sets the spool root back to 0700 if something changed it; returns the mode it had when it did. */
export function keepSpoolPrivate(dir: string): number | null {
  const mode = statSync(dir).mode & 0o777;
  if (mode === SPOOL_MODE) return null;
  chmodSync(dir, SPOOL_MODE);
  return mode;
}

/** "read-only file system" when `dir`, or its nearest existing ancestor, is on one; null otherwise. */
function readOnlyIn(dir: string): string | null {
  let at = path.resolve(dir);
  for (;;) {
    try {
      accessSync(at, constants.W_OK);
      return null;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EROFS') return `${at} is on a read-only file system (EROFS)`;
      if (code !== 'ENOENT' || path.dirname(at) === at) return null;
      at = path.dirname(at);
    }
  }
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
