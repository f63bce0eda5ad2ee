/**
 * Handed-back files (src/spool/blanks.ts, the native take and send with a
 * blank): a message file read is cleared and kept in its inbox's `.blanks/`, the
 * next writer writes into it, and nothing that is not a plain file of ours with
 * one name is ever written through or kept.
 */
import assert from 'node:assert/strict';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { SEND_QUEUED_REUSED, TAKE_REUSED, spoolFileCalls } from '../../src/native';
import { BLANKS, BLANK_SLOTS, BlankFiller, BlankTaker, blankPath } from '../../src/spool/blanks';
import { MessageFileReader } from '../../src/spool/inbox-file';
import { isMessageName } from '../../src/spool/names';
import { Outbox } from '../../src/spool/outbox';
import { spoolPerTest } from './spool-fixture';

const native = spoolFileCalls();
const skip = native === null ? 'not built on this machine' : false;
const SENDER_PID = 999_998;

function messagesIn(dir: string): string[] {
  return readdirSync(dir).filter(isMessageName).sort();
}

describe('blank slots', () => {
  it('a reader fills and a writer takes the slots in the same turn, wrapping at BLANK_SLOTS', () => {
    const taker = new BlankTaker(4);
    assert.equal(taker.next('/s/bob'), blankPath('/s/bob', 0));
    taker.took('/s/bob');
    assert.equal(taker.next('/s/bob'), `/s/bob/${BLANKS}/1`);
    assert.equal(blankPath('/s/bob', BLANK_SLOTS + 2), `/s/bob/${BLANKS}/2`);
    assert.equal(taker.next('/s/alice'), `/s/alice/${BLANKS}/0`, 'each destination has its own turn');
  });

  it('forgets every turn when more destinations than it keeps come along', () => {
    const taker = new BlankTaker(2);
    taker.took('/a');
    taker.took('/b');
    taker.took('/c');
    assert.equal(taker.next('/a'), `/a/${BLANKS}/0`);
    assert.equal(taker.next('/c'), `/c/${BLANKS}/1`);
  });
});

describe('handing files back', { skip }, () => {
  const t = spoolPerTest('tfgw-blanks-');
  let inbox = '';
  beforeEach(async () => {
    inbox = (await t().liveSession('bob')).dir;
  });

  function arrive(name: string, bytes: Buffer | string): string {
    const file = path.join(inbox, name);
    writeFileSync(file, bytes, { mode: 0o600 });
    return file;
  }

  it('a message read is cleared and moved to its slot; the reader moves on to the next slot', () => {
    const filler = new BlankFiller(inbox);
    const reader = new MessageFileReader(native);
    const entry = reader.take(arrive('m1', 'secret bytes'), filler.next());
    assert.equal(entry.kind, 'message');
    assert.equal(entry.kind === 'message' && entry.data.toString(), 'secret bytes');
    assert.equal(entry.kind === 'message' && entry.reused, true);
    filler.filled();
    assert.equal(existsSync(path.join(inbox, 'm1')), false, 'gone from the inbox');
    const kept = readFileSync(path.join(inbox, BLANKS, '0'));
    assert.deepEqual(kept, Buffer.alloc('secret bytes'.length), 'overwritten with zeros');
    assert.deepEqual(readdirSync(path.join(inbox, BLANKS)), ['0'], 'nothing left under the clearing name');
    assert.equal(filler.next(), path.join(inbox, BLANKS, '1'));
  });

  it('a bigger message file is emptied', () => {
    const reader = new MessageFileReader(native);
    const entry = reader.take(arrive('big', Buffer.alloc(10_000, 7)), new BlankFiller(inbox).next());
    assert.equal(entry.kind === 'message' && entry.reused, true);
    assert.equal(statSync(path.join(inbox, BLANKS, '0')).size, 0);
  });

  it('a file with a second name is read and unlinked, never kept to be written through', () => {
    const elsewhere = path.join(t().root, 'elsewhere');
    writeFileSync(elsewhere, 'precious');
    linkSync(elsewhere, path.join(inbox, 'hard'));
    const got = native!.takeMessage(path.join(inbox, 'hard'), Buffer.alloc(64), new BlankFiller(inbox).next());
    assert.equal(got, 'precious'.length, 'read, not marked as kept');
    assert.equal(existsSync(path.join(inbox, 'hard')), false);
    assert.equal(existsSync(path.join(inbox, BLANKS, '0')), false);
    assert.equal(readFileSync(elsewhere, 'utf8'), 'precious', 'the other name still holds its bytes');
  });

  it('without a slot directory the file is unlinked as before; a link in its place is no slot directory', () => {
    const got = native!.takeMessage(arrive('m', 'x'), Buffer.alloc(64), path.join(inbox, BLANKS, '0'));
    assert.equal(got, 1);
    assert.equal(existsSync(path.join(inbox, 'm')), false);
    mkdirSync(path.join(t().root, 'away'));
    symlinkSync(path.join(t().root, 'away'), path.join(inbox, BLANKS));
    assert.equal(new BlankFiller(inbox).next(), undefined);
  });

  it('a writer writes into the slot the reader filled, and creates a file when the slot is empty', () => {
    const outbox = new Outbox(t().layout, SENDER_PID, native, () => true);
    // The first send makes the staging directory through JavaScript; the second is the native one.
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('first')), 'queued');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('second, longer than the slot')), 'queued');
    const filler = new BlankFiller(inbox);
    const reader = new MessageFileReader(native);
    const [first, second] = messagesIn(inbox);
    const slot = filler.next()!;
    assert.equal(reader.take(path.join(inbox, first!), slot).kind, 'message');
    const inode = statSync(slot).ino;
    filler.filled();
    assert.equal(reader.take(path.join(inbox, second!), filler.next()).kind, 'message');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('3rd')), 'queued');
    const [third] = messagesIn(inbox);
    assert.equal(statSync(path.join(inbox, third!)).ino, inode, 'written into the file of slot 0');
    assert.equal(readFileSync(path.join(inbox, third!), 'utf8'), '3rd', 'exactly its bytes: the zeros beyond are cut off');
    assert.equal(existsSync(slot), false);
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('4th')), 'queued');
    assert.equal(readdirSync(path.join(inbox, BLANKS)).length, 0, 'slot 1 taken in turn');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('5th')), 'queued');
    assert.deepEqual(
      messagesIn(inbox).map((n) => readFileSync(path.join(inbox, n), 'utf8')),
      ['3rd', '4th', '5th'],
      'slot 2 was empty: a new file, in order',
    );
  });

  it('a writer never writes through a slot that is a link or has a second name', () => {
    mkdirSync(path.join(inbox, BLANKS));
    const target = path.join(t().root, 'target');
    writeFileSync(target, 'keep me');
    symlinkSync(target, path.join(inbox, BLANKS, '0'));
    const outbox = new Outbox(t().layout, SENDER_PID, native, () => true);
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('via js')), 'queued');
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('native')), 'queued');
    assert.equal(readFileSync(target, 'utf8'), 'keep me');
    linkSync(target, path.join(inbox, BLANKS, '0'));
    assert.equal(outbox.send(Buffer.from('bob'), Buffer.from('again')), 'queued');
    assert.equal(readFileSync(target, 'utf8'), 'keep me');
    assert.deepEqual(
      messagesIn(inbox).map((n) => readFileSync(path.join(inbox, n), 'utf8')),
      ['via js', 'native', 'again'],
    );
  });

  it('the answers say what happened', () => {
    assert.equal(TAKE_REUSED > 256 * 1024, true, 'above any byte count the take can give');
    const link = t().layout.link('bob');
    mkdirSync(path.join(inbox, BLANKS));
    writeFileSync(path.join(inbox, BLANKS, '5'), '');
    const staged = path.join(t().root, 'staged');
    assert.equal(native!.sendMessage(link, `${link}/.full`, staged, Buffer.from('m'), `${link}/m1`, `${link}/${BLANKS}/5`), SEND_QUEUED_REUSED);
    assert.equal(native!.sendMessage(link, `${link}/.full`, staged, Buffer.from('m'), `${link}/m2`, `${link}/${BLANKS}/5`), 0);
  });
});
