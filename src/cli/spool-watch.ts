/**
 * `tfgw spool watch`: one line per identity joining or leaving and per message
 * queued or delivered, from the spool alone, until SIGINT or SIGTERM (then exit 0).
 * Lines are written as they happen, so `tfgw spool watch >> log` can be followed
 * with `tail -f`; `--json` writes one JSON object per line.
 */
import type { Command } from 'commander';
import { type SpoolEvent, SpoolMonitor } from '../spool/monitor';
import { escapeBytes } from '../spool/peek';
import { type SpoolFlags, addSpoolOption, openSpoolDirectory } from './spool-dir';

interface SpoolWatchFlags extends SpoolFlags {
  json?: boolean;
}

export function registerSpoolWatch(spool: Command): void {
  addSpoolOption(
    spool
      .command('watch')
      .description('print a line per identity joining or leaving and per message queued or delivered, until interrupted')
      .option('--json', 'print one JSON object per line'),
  ).action(async (flags: SpoolWatchFlags) => {
    const layout = openSpoolDirectory(flags);
    const print = (event: SpoolEvent) => {
      const line = flags.json ? JSON.stringify({ time: new Date().toISOString(), ...event }) : describe(event);
      process.stdout.write(`${line}\n`);
    };
    const monitor = new SpoolMonitor(layout, print);
    const done = new Promise<void>((resolve) => {
      const stop = () => void monitor.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // A reader that went away (`| head`) ends the watch too.
      process.stdout.on('error', stop);
    });
    await monitor.start();
    process.stderr.write(`watching ${layout.root}\n`);
    await done;
  });
}

function describe(event: SpoolEvent): string {
  const time = new Date().toISOString();
  if ('file' in event) {
    const size = event.size === null ? '' : ` ${event.size} bytes`;
    return `${time} ${event.event} ${event.name} ${escapeBytes(Buffer.from(event.file))}${size} from ${event.writer}`;
  }
  return `${time} ${event.event} ${event.name} pid ${event.pid ?? '?'} claim ${event.claim}`;
}
