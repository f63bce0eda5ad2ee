/** What `tfgw spool` and its subcommands share: the `--spool` flag, the check that it names a spool, a table. */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { localDefault } from '../settings/table';
import { INBOXES, SpoolLayout } from '../spool/layout';

export interface SpoolFlags {
  spool?: string;
}

export function addSpoolOption(cmd: Command): Command {
  return cmd.option('--spool <dir>', 'spool directory (default: TFGW_SPOOL or <repo>/spool)');
}

/** The spool the flags name; throws, saying what to give, when it is not one. */
export function openSpoolDirectory(flags: SpoolFlags): SpoolLayout {
  const root = path.resolve(flags.spool ?? localDefault('spool'));
  // Reading a directory that is not a spool would report its files as identities.
  if (!isDirectory(root)) throw new Error(`no spool directory at ${root} (give the server's --spool or TFGW_SPOOL)`);
  if (!isDirectory(path.join(root, INBOXES))) {
    throw new Error(`${root} is not a tfgw spool: it has no ${INBOXES} directory (a tfgw serve with this spool creates one)`);
  }
  return new SpoolLayout(root, localDefault('nodeId'));
}

function isDirectory(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** Columns padded to their widest cell (the last one unpadded). */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  for (const row of [header, ...rows]) {
    process.stdout.write(`${row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}\n`);
  }
}
