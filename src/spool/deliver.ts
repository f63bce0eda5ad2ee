/**
 * Delivering one message by the writer's rules of docs/SPOOL.md §7, for a program
 * on the host that is not a session (`tfgw spool send`): check the version, the
 * identity's presence, the full mark and the size, then stage and rename through
 * the identity's link as every session does (outbox.ts, which also names the file).
 * Unlike the protocol, the spool can tell the writer whether anyone held the
 * identity when the message was written, and the outcome says so.
 */
import { statSync } from 'node:fs';
import { requireFormat } from './format';
import { identityToName } from './identity-name';
import { MAX_MESSAGE_BYTES } from './inbox-file';
import { FULL_MARK, SpoolLayout } from './layout';
import { Outbox } from './outbox';

export type DeliverOutcome =
  /** In the identity's inbox as `file`: its holder's reader takes it from there. */
  | { status: 'queued'; name: string; file: string }
  /** Nobody holds the identity (no link): nothing was written. */
  | { status: 'absent'; name: string }
  /** The inbox is marked full (§7.5): nothing was written. */
  | { status: 'full'; name: string }
  /** Larger than the protocol's largest message: nothing was written. */
  | { status: 'too-large'; name: string; size: number }
  /** Present when checked, gone at the rename (§7 step 6): the staged file was removed. */
  | { status: 'left'; name: string }
  | { status: 'failed'; name: string; error: string };

/**
 * Writes `message` for `identity` into the spool at `root`. Throws when the spool is
 * not one of version 1 (§4); every other outcome is returned.
 */
export function deliverToSpool(root: string, identity: Uint8Array, message: Uint8Array): DeliverOutcome {
  requireFormat(root);
  const layout = new SpoolLayout(root);
  const name = identityToName(identity);
  if (message.byteLength > MAX_MESSAGE_BYTES) return { status: 'too-large', name, size: message.byteLength };
  const link = layout.link(name);
  if (!isDirectory(link)) return { status: 'absent', name };
  if (isPresent(`${link}/${FULL_MARK}`)) return { status: 'full', name };
  const outbox = new Outbox(layout);
  try {
    const sent = outbox.send(identity, message);
    switch (sent) {
      case 'queued':
        return { status: 'queued', name, file: outbox.lastName };
      case 'no-peer':
        return { status: 'left', name };
      case 'inbox-full':
        return { status: 'full', name };
      default:
        return { status: 'failed', name, error: outbox.lastError };
    }
  } finally {
    outbox.dispose();
  }
}

/** Follows the link: present means it resolves to a directory. */
function isDirectory(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

function isPresent(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}
