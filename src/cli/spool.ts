/** `tfgw spool`: who is in the gateway and what is queued, read from the spool directory. */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { localDefault } from '../settings/table';
import { INBOXES, SpoolLayout } from '../spool/layout';
import { viewSpool } from '../spool/view';

export function registerSpool(program: Command): void {
  program
    .command('spool')
    .description('list the identities in the gateway and their queued messages, from the spool directory')
    .option('--spool <dir>', 'spool directory (default: TFGW_SPOOL or <repo>/spool)')
    .option('--json', 'print JSON')
    .action((flags: { spool?: string; json?: boolean }) => {
      const root = path.resolve(flags.spool ?? localDefault('spool'));
      checkSpoolDirectory(root);
      const view = viewSpool(new SpoolLayout(root, localDefault('nodeId')));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
        return;
      }
      process.stdout.write(`spool ${view.root}: ${view.inboxes.length} in the gateway\n`);
      if (view.nodes.length > 0) {
        const rows = view.nodes.map((n) => [
          `${n.node}${n.node === view.node ? ' (this host)' : ''}`,
          n.state,
          String(n.pid ?? '?'),
          n.beatAgeMs === null ? '?' : `${(n.beatAgeMs / 1000).toFixed(1)}s`,
        ]);
        printTable(['NODE', 'STATE', 'SERVER PID', 'HEARTBEAT AGE'], rows);
      }
      if (view.inboxes.length > 0) {
        const rows = view.inboxes.map((i) => [
          i.name.length > 40 ? `${i.name.slice(0, 37)}...` : i.name,
          i.identity.length > 30 ? `${i.identity.slice(0, 27)}...` : i.identity,
          i.node ?? '?',
          `${i.pid ?? '?'}${i.alive ? '' : ' (dead)'}`,
          i.client ?? '?',
          String(i.queuedFiles),
          String(i.queuedBytes),
          i.full ? 'full' : '',
        ]);
        printTable(['INBOX', 'IDENTITY', 'NODE', 'PID', 'CLIENT', 'QUEUED', 'BYTES', ''], rows);
      }
      if (view.unlinkedInboxes > 0 || view.temporaryFiles > 0) {
        process.stdout.write(`in transit: ${view.unlinkedInboxes} unlinked inboxes, ${view.temporaryFiles} temporary files\n`);
      }
    });
}

/** Listing a directory that is not a spool would report its files as identities. */
function checkSpoolDirectory(root: string): void {
  if (!isDirectory(root)) throw new Error(`no spool directory at ${root} (give the server's --spool or TFGW_SPOOL)`);
  if (!isDirectory(path.join(root, INBOXES))) {
    throw new Error(`${root} is not a tfgw spool: it has no ${INBOXES} directory (a tfgw serve with this spool creates one)`);
  }
}

function isDirectory(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  for (const row of [header, ...rows]) {
    process.stdout.write(`${row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}\n`);
  }
}
