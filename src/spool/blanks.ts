/**
 * Handed-back files (docs/SPOOL.md §8.3): a reader that has read a message
 * empties the file and moves it into its inbox's `.blanks/`, and the next writer
 * to that inbox writes its message into one of those instead of creating a file.
 * Where this pays: on ext4 without a journal, creating a file looks past every
 * inode freed in the last seconds to minutes, one by one (the kernel's
 * `recently_deleted`), so after a burst of deliveries each new message file cost
 * 0.5 to 0.8 ms there (docs/perf/analysis.md). A file that is reused is never
 * freed. It changes nothing a reader or writer can see: a message is still a
 * whole file renamed into the inbox, and the slots are bookkeeping (a dot name).
 *
 * The slots are numbered: a reader fills `0, 1, 2, …` in turn and a writer takes
 * them in the same turn, moving on only when it got one, so one writer and one
 * reader stay in step without ever listing the directory. A writer that misses
 * (the slot is empty: the reader is behind, or another writer took it) creates
 * its file as before. A reader that fills a slot nobody took replaces the file
 * there. Where it is done at all is file-reuse.ts's to say.
 */

import { lstatSync, mkdirSync } from 'node:fs';

/** The inbox's subdirectory of handed-back files. */
export const BLANKS = '.blanks';
/** Slots per inbox: at most this many empty files wait in one. */
export const BLANK_SLOTS = 64;

/** The path of slot `turn` (counted without bound) in the inbox at `dir` (or through its link). */
export function blankPath(dir: string, turn: number): string {
  return `${dir}/${BLANKS}/${turn % BLANK_SLOTS}`;
}

/** A reader's side: the slot its next emptied file goes to. */
export class BlankFiller {
  private turn = 0;
  private state: 'unmade' | 'ready' | 'unusable' = 'unmade';

  /** `dir`: the reader's inbox. */
  constructor(private readonly dir: string) {}

  /** Where the next file read may go, or undefined when the slots cannot be had. */
  next(): string | undefined {
    if (this.state === 'unmade') this.state = makeSlots(this.dir) ? 'ready' : 'unusable';
    return this.state === 'ready' ? blankPath(this.dir, this.turn) : undefined;
  }

  /** The file went to the slot `next` named. */
  filled(): void {
    this.turn++;
  }
}

/** A writer's side: the slot it tries next in each destination's inbox. */
export class BlankTaker {
  private readonly turns = new Map<string, number>();

  /** `most`: destinations remembered (beyond them all start again from slot 0). */
  constructor(private readonly most: number) {}

  /** The slot to try for a message through `link`. */
  next(link: string): string {
    return blankPath(link, this.turns.get(link) ?? 0);
  }

  /** The slot `next` named was there and is used: the following one is next. */
  took(link: string): void {
    if (this.turns.size >= this.most && !this.turns.has(link)) this.turns.clear();
    this.turns.set(link, (this.turns.get(link) ?? 0) + 1);
  }
}

/**
 * The inbox's slot directory, made on its first use (an identity that never
 * receives has none). One that is there already must be a directory, not a link:
 * emptied files stay inside the inbox.
 */
function makeSlots(dir: string): boolean {
  const slots = `${dir}/${BLANKS}`;
  try {
    mkdirSync(slots, { mode: 0o700 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    return lstatSync(slots, { throwIfNoEntry: false })?.isDirectory() ?? false;
  }
}
