/** The spool directory as one object: layout, sending, ownership and cleanup. */
import { mkdirSync } from 'node:fs';
import { ensureFormat } from './format';
import { type ReuseMode, reusesFiles } from './file-reuse';
import { Janitor } from './janitor';
import { type MountEntry, type MountTable, isNetworkFs, mountOfDirectory, procMounts } from './mounts';
import { SpoolLayout } from './layout';
import { Outbox } from './outbox';
import { spoolFileCalls } from '../native';
import { Ownership } from './ownership';

export interface SpoolOptions {
  root: string;
  /** A claim whose lock has not been refreshed for this long counts as dead. */
  staleMs: number;
  /** This host's node id (names.ts); default: from the host name. */
  node?: string;
  /** Where the mount table comes from (tests give their own). */
  mounts?: MountTable;
  /** Whether message files read are kept for the next writer (file-reuse.ts); default 'auto'. */
  reuseFiles?: ReuseMode;
}

export class Spool {
  readonly layout: SpoolLayout;
  readonly outbox: Outbox;
  readonly ownership: Ownership;
  readonly janitor: Janitor;
  private mount: MountEntry | null | undefined;
  private reuse: boolean | undefined;

  constructor(readonly options: SpoolOptions) {
    this.layout = new SpoolLayout(options.root, options.node);
    this.outbox = new Outbox(this.layout, process.pid, spoolFileCalls(), () => this.reusesFiles);
    this.ownership = new Ownership(this.layout, { staleMs: options.staleMs });
    this.janitor = new Janitor(this.layout, this.ownership, options.staleMs);
  }

  /** The mount the spool is on (read once), or null when the mount table cannot be read. */
  get mountEntry(): MountEntry | null {
    if (this.mount === undefined) this.mount = mountOfDirectory(this.layout.root, this.options.mounts ?? procMounts);
    return this.mount;
  }

  /** True when the spool is on a network file system: other hosts' writes notify nothing here. */
  get onNetworkFs(): boolean {
    const mount = this.mountEntry;
    return mount !== null && isNetworkFs(mount.fsType);
  }

  /** Whether message files read here are kept for the next writer (asked once: it reads the kernel's views). */
  get reusesFiles(): boolean {
    this.reuse ??= reusesFiles(this.options.reuseFiles ?? 'auto', this.layout.root, this.onNetworkFs);
    return this.reuse;
  }

  /** Creates the spool's directories (owner-only: the spool is trusted input). */
  init(): void {
    mkdirSync(this.layout.root, { recursive: true, mode: 0o700 });
    for (const dir of this.layout.dirs()) mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /**
   * The listener's start: `init`, then the spool's `.format` is written or checked
   * (throws, saying what to do, on another major version). Session processes start
   * from a listener that has checked it, so they only `init`.
   */
  open(): void {
    this.init();
    ensureFormat(this.layout.root, this.layout.node);
  }
}

export type { ConflictPolicy, Claim } from './ownership';
export type { SendOutcome } from './outbox';
