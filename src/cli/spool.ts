/** `tfgw spool`: who is in the gateway and what is queued, read from the spool directory; and its subcommands. */
import type { Command } from 'commander';
import { viewSpool } from '../spool/view';
import { type SpoolFlags, addSpoolOption, openSpoolDirectory, printTable } from './spool-dir';
import { registerSpoolPeek } from './spool-peek';
import { registerSpoolSend } from './spool-send';
import { registerSpoolWatch } from './spool-watch';

export function registerSpool(program: Command): void {
  const spool = addSpoolOption(
    program
      .command('spool')
      .description('list the identities in the gateway and their queued messages, from the spool directory')
      .option('--json', 'print JSON')
      // The subcommands take --spool and --json themselves, after their name.
      .enablePositionalOptions(),
  ).action((flags: SpoolFlags & { json?: boolean }) => {
    const view = viewSpool(openSpoolDirectory(flags));
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
        String(i.queuedMessages),
        i.batchFiles > 0 ? `${i.queuedFiles} (${i.batchFiles} batch)` : String(i.queuedFiles),
        String(i.queuedBytes),
        i.full ? 'full' : '',
      ]);
      printTable(['INBOX', 'IDENTITY', 'NODE', 'PID', 'CLIENT', 'QUEUED', 'FILES', 'BYTES', ''], rows);
    }
    if (view.unlinkedInboxes > 0 || view.temporaryFiles > 0) {
      process.stdout.write(`in transit: ${view.unlinkedInboxes} unlinked inboxes, ${view.temporaryFiles} temporary files\n`);
    }
  });
  registerSpoolSend(spool);
  registerSpoolPeek(spool);
  registerSpoolWatch(spool);
}
