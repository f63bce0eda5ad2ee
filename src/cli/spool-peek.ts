/** `tfgw spool peek`: what is queued for an identity, without taking it (exit 2 when nobody holds it). */
import type { Command } from 'commander';
import { identityToName } from '../spool/identity-name';
import { PREVIEW_BYTES, escapeBytes, peekInbox } from '../spool/peek';
import { type BytesArg, countArg, identityArg } from './client-options';
import { type SpoolFlags, addSpoolOption, openSpoolDirectory, printTable } from './spool-dir';

interface SpoolPeekFlags extends SpoolFlags {
  json?: boolean;
  bytes?: number;
}

/** As `tfgw spool send` exits when the identity is absent. */
const ABSENT_EXIT = 2;

export function registerSpoolPeek(spool: Command): void {
  addSpoolOption(
    spool
      .command('peek')
      .description("list what is queued for <identity> (name, size, age, writer, a preview) without taking it; exits 2 when nobody holds it")
      .argument('<identity>', 'identity whose inbox to list (hex:… or base64:… for raw bytes)', identityArg)
      .option('--json', 'print JSON')
      .option('--bytes <n>', `bytes of each message to preview (default ${PREVIEW_BYTES})`, countArg),
  ).action((identity: BytesArg, flags: SpoolPeekFlags) => {
    const layout = openSpoolDirectory(flags);
    const peek = peekInbox(layout, identityToName(identity.bytes), flags.bytes ?? PREVIEW_BYTES);
    if (!peek.present) process.exitCode = ABSENT_EXIT;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(peek, null, 2)}\n`);
      return;
    }
    if (!peek.present) {
      process.stdout.write(`${identity.text}: not in the gateway (no inbox linked as ${peek.name})\n`);
      return;
    }
    const bytes = peek.entries.reduce((sum, e) => sum + (e.kind === 'file' ? e.size : 0), 0);
    process.stdout.write(
      `${identity.text}: held by pid ${peek.pid ?? '?'}, ${peek.entries.length} queued, ${bytes} bytes${peek.full ? ', full' : ''}\n`,
    );
    if (peek.entries.length === 0) return;
    const rows = peek.entries.map((e) => [
      escapeBytes(Buffer.from(e.name)),
      e.kind === 'file' ? String(e.size) : e.kind,
      formatAge(e.ageMs),
      e.writer,
      e.kind === 'file' ? `"${e.preview}"${e.truncated ? '...' : ''}` : '',
    ]);
    printTable(['NAME', 'SIZE', 'AGE', 'WRITER', 'PREVIEW'], rows);
  });
}

function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
