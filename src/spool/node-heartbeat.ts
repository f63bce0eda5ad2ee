/**
 * Each node's heartbeat, `.nodes/<node>` (docs/SPOOL.md §6.2): the node's server
 * rewrites it in place every `max(1000, staleMs / 3)` ms with a counter that
 * changes each time, and removes it when it stops. Other nodes judge it by whether
 * it changes (heartbeat.ts), never by its times. Its JSON also says when it was
 * written by the writer's clock, which `tfgw spool` uses only for display.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SpoolLayout } from './layout';
import { isNodeId } from './names';

export interface NodeBeat {
  node: string;
  pid: number;
  beat: number;
  /** When it was written, ms since the epoch by the writer's clock. */
  at: number;
  staleMs: number;
}

export function heartbeatInterval(staleMs: number): number {
  return Math.max(1000, Math.floor(staleMs / 3));
}

export class NodeHeartbeat {
  private beat = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly layout: SpoolLayout,
    private readonly staleMs: number,
    private readonly pid: number = process.pid,
  ) {}

  /** Writes the first beat now and keeps beating until `stop`. */
  start(): void {
    this.write();
    this.timer = setInterval(() => this.write(), heartbeatInterval(this.staleMs));
    this.timer.unref();
  }

  /** One beat; a failure is retried at the next one (the spool may be away for a moment). */
  write(): boolean {
    const file = this.layout.nodeHeartbeat();
    const beat: NodeBeat = { node: this.layout.node, pid: this.pid, beat: ++this.beat, at: Date.now(), staleMs: this.staleMs };
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // In place, not renamed over: a reader on another host opens the same file
      // and sees its new content, where a renamed-in file could hide behind a cached name.
      writeFileSync(file, `${JSON.stringify(beat)}\n`, { mode: 0o600 });
      return true;
    } catch {
      return false;
    }
  }

  /** Stops beating and removes the heartbeat; false when it could not be removed (another node's sweep takes it once it stands still). */
  stop(): boolean {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      rmSync(this.layout.nodeHeartbeat(), { force: true });
      return true;
    } catch {
      // A spool gone read-only or away at shutdown.
      return false;
    }
  }
}

/** The node ids that have a heartbeat file in the spool. */
export function heartbeatNodes(layout: SpoolLayout): string[] {
  try {
    return readdirSync(path.dirname(layout.nodeHeartbeat())).filter(isNodeId);
  } catch {
    return [];
  }
}

export function parseBeat(text: string | null): NodeBeat | null {
  if (text === null) return null;
  try {
    const beat = JSON.parse(text) as NodeBeat;
    return typeof beat.node === 'string' && typeof beat.at === 'number' ? beat : null;
  } catch {
    return null;
  }
}
