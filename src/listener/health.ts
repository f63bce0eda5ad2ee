/**
 * What /healthz answers: healthy while the listener accepts connections and
 * every directory of the spool is writable, with the pool's counts beside.
 */
import { accessSync, constants } from 'node:fs';
import type { SpoolLayout } from '../spool/layout';
import type { Health } from './http-endpoint';
import type { SessionPool } from './pool';

/** Whether the spool's root and each of its directories can be written. */
export function spoolWritable(layout: SpoolLayout): boolean {
  try {
    for (const dir of [layout.root, ...layout.dirs()]) accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function listenerHealth(model: 'prefork' | 'spawn', stopping: boolean, layout: SpoolLayout, pool: SessionPool): Health {
  const writable = spoolWritable(layout);
  return {
    ok: !stopping && writable,
    detail: {
      model,
      stopping,
      spoolWritable: writable,
      sessions: pool.size,
      idle: pool.count('idle'),
      busy: pool.count('busy'),
    },
  };
}
