/** The session process's command line and the settings it reads from its standard input. */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeSessionSettings, parseSessionArgv, readSessionSettings, sessionArgv } from '../../src/session/argv';
import { sessionSettings } from '../../src/settings/session-settings';
import { defaultSettings } from '../../src/settings/table';

describe('session process arguments', () => {
  it('round-trips the mode and the listening descriptor count, and carries nothing else', () => {
    for (const [mode, n] of [['socket', 1], ['accept', 3]] as const) {
      const argv = sessionArgv(mode, n);
      assert.deepEqual(argv, [mode, String(n)]);
      assert.deepEqual(parseSessionArgv(['node', 'main.js', ...argv]), { mode, listenCount: n });
    }
    assert.equal(parseSessionArgv(['node', 'main.js']).mode, 'socket');
  });

  it('reads back the settings written for it, hash included, and refuses empty input', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tfgw-argv-'));
    try {
      const settings = sessionSettings(defaultSettings(), '/keys/private.pem', 'the-secret-hash');
      const file = path.join(dir, 'stdin');
      writeFileSync(file, encodeSessionSettings(settings));
      const fd = openSync(file, 'r');
      try {
        assert.deepEqual(readSessionSettings(fd), settings);
      } finally {
        closeSync(fd);
      }
      writeFileSync(file, '');
      const empty = openSync(file, 'r');
      try {
        assert.throws(() => readSessionSettings(empty), /no session settings/);
      } finally {
        closeSync(empty);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
