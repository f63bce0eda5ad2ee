import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sessionEntry } from '../../src/listener/pool';

describe('session process entry', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tfgw-entry-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const plain = path.join(dir, 'main.js');
  const bundle = path.join(dir, 'main.bundle.js');

  it('is the compiled module when there is no bundle', () => {
    writeFileSync(plain, '');
    assert.equal(sessionEntry(dir), plain);
  });

  it('is the bundle when it is at least as new as the compiled module', () => {
    writeFileSync(bundle, '');
    utimesSync(plain, 1000, 1000);
    utimesSync(bundle, 2000, 2000);
    assert.equal(sessionEntry(dir), bundle);
  });

  it('is the compiled module again once that was rebuilt after the bundle (a stale bundle is never run)', () => {
    utimesSync(plain, 3000, 3000);
    assert.equal(sessionEntry(dir), plain);
  });

  it('is the bundle in a build made by npm run build', () => {
    assert.match(sessionEntry(), /session[/\\]main\.bundle\.js$/);
  });
});
