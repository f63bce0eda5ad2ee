/**
 * System errors as people look them up: by their name (`EADDRINUSE`, `EACCES`,
 * `EROFS`) with the system's short text, beside the path or address involved,
 * rather than a bare errno number or Node's own wording.
 */
import { getSystemErrorMap } from 'node:util';

/** `EADDRINUSE (address already in use)` for errno 98 (or -98, as the native helpers return it). */
export function errnoText(errno: number): string {
  const entry = getSystemErrorMap().get(-Math.abs(errno));
  return entry ? `${entry[0]} (${entry[1]})` : `errno ${Math.abs(errno)}`;
}

/** The name and text of a Node system error (`err.code`), else its message. */
export function systemErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.errno === 'number') return errnoText(e.errno);
  if (typeof e?.code === 'string') return e.code;
  return e instanceof Error ? e.message : String(err);
}

/** An error saying `what` failed on `target` (a path, an address) and why, by name. */
export function systemError(what: string, target: string, err: unknown): Error {
  return new Error(`${what} ${target}: ${systemErrorText(err)}`);
}
