import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fromEnv, fromFile, loadConfig, loadSettings } from '../../src/settings/load';
import { SETTING_KEYS, defaultSettings, envName } from '../../src/settings/table';

describe('loading the configuration', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tfgw-settings-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  const configFile = (settings: Record<string, unknown>): string => {
    const file = path.join(dir, `config-${files++}.json`);
    writeFileSync(file, JSON.stringify(settings));
    return file;
  };

  it('is the defaults when nothing is given', () => {
    assert.deepEqual(loadConfig({}, undefined, {}), defaultSettings());
  });

  it('layers file < environment < flag', () => {
    const file = configFile({ maxSessions: 10, maxPeers: 20, spareSessions: 30 });
    const env = { TFGW_MAX_SESSIONS: '11', TFGW_MAX_PEERS: '21' };
    const config = loadConfig({ maxSessions: '12' }, file, env);
    assert.equal(config.maxSessions, 12, 'a flag wins over the environment');
    assert.equal(config.maxPeers, 21, 'the environment wins over the file');
    assert.equal(config.spareSessions, 30, 'the file wins over the default');
    assert.equal(config.recycleAfter, 1000, 'the default stays where nothing is given');
  });

  it('takes the config file from TFGW_CONFIG unless one is given', () => {
    const fromVariable = configFile({ maxPeers: 5 });
    const given = configFile({ maxPeers: 6 });
    assert.equal(loadConfig({}, undefined, { TFGW_CONFIG: fromVariable }).maxPeers, 5);
    assert.equal(loadConfig({}, given, { TFGW_CONFIG: fromVariable }).maxPeers, 6);
  });

  it('reads every setting from its TFGW_* variable and ignores empty ones', () => {
    const env = Object.fromEntries(SETTING_KEYS.map((key) => [envName(key), `value of ${key}`]));
    assert.deepEqual(Object.keys(fromEnv(env)), SETTING_KEYS);
    assert.deepEqual(fromEnv({ TFGW_MAX_PEERS: '', TFGW_SPOOL: '/s', OTHER: 'x' }), { spool: '/s' });
  });

  it('reads JSON values as text for the setting parsers', () => {
    const file = configFile({ acceptDegenerateKeys: true, listen: ['a:1,b:2', 'c:3'], logLevel: 'debug', inboxMaxFiles: 9 });
    assert.deepEqual(fromFile(file), { acceptDegenerateKeys: 'true', listen: ['a:1,b:2', 'c:3'], logLevel: 'debug', inboxMaxFiles: '9' });
    const config = loadConfig({}, file, {});
    assert.equal(config.acceptDegenerateKeys, true);
    assert.deepEqual(config.listen, ['a:1', 'b:2', 'c:3']);
    assert.equal(config.inboxMaxFiles, 9);
  });

  it('refuses an unknown key of the config file', () => {
    const file = configFile({ maxSessions: 4, maxSesions: 4 });
    assert.throws(() => loadConfig({}, file, {}), {
      message: `config file ${file}: unknown setting "maxSesions" — did you mean "maxSessions"?`,
    });
    const inherited = configFile({ toString: 'x' });
    assert.throws(() => fromFile(inherited), { message: `config file ${inherited}: unknown setting "toString"` });
  });

  it('names where a bad value came from: the file and key, the variable, the flag as typed', () => {
    const file = configFile({ maxSessions: 0 });
    assert.throws(() => loadConfig({}, file, {}), {
      message: `config file ${file}, key "maxSessions": expected an integer in 1..100000, got "0"`,
    });
    assert.throws(() => loadConfig({}, undefined, { TFGW_LOG_FORMAT: 'xml' }), {
      message: 'TFGW_LOG_FORMAT: expected one of text, json, got "xml"',
    });
    assert.throws(() => loadConfig({}, undefined, { TFGW_MAX_PEERS: '-1' }), {
      message: 'TFGW_MAX_PEERS: expected an integer in 1..100000, got "-1"',
    });
    assert.throws(() => loadConfig({ handshakeTimeoutMs: '5' }, undefined, {}), {
      message: '--handshake-timeout: expected an integer in 100..3600000, got "5"',
    });
    assert.throws(() => loadConfig({ maxSessions: 'abc' }, undefined, {}), {
      message: '--max-sessions: expected an integer in 1..100000, got "abc"',
    });
    const list = configFile({ maxPeers: [1, 2] });
    assert.throws(() => loadConfig({}, list, {}), { message: `config file ${list}, key "maxPeers": expected a single value, got ["1","2"]` });
  });

  it('checks addresses when loading, naming the setting', () => {
    assert.throws(() => loadConfig({ metricsListen: 'garbage' }, undefined, {}), {
      message: '--metrics-listen: bad address "garbage" (expected host:port)',
    });
    assert.throws(() => loadConfig({ listen: ['127.0.0.1:1', '127.0.0.1:99999'] }, undefined, {}), {
      message: '--listen: bad port in "127.0.0.1:99999" (expected 0..65535)',
    });
    assert.throws(() => loadConfig({}, undefined, { TFGW_METRICS_LISTEN: 'x:y' }), /^Error: TFGW_METRICS_LISTEN: bad address "x:y"/);
    assert.equal(loadConfig({ metricsListen: '127.0.0.1:0' }, undefined, {}).metricsListen, '127.0.0.1:0');
  });

  it('names the file of a JSON syntax error, with its line and column', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{\n  "maxPeers": 3,\n}\n');
    assert.throws(() => loadConfig({}, file, {}), (err: Error) => {
      assert.ok(err.message.startsWith(`config file ${file}: bad JSON: `), err.message);
      assert.match(err.message, /\(line 3, column 1\)$/);
      return true;
    });
    writeFileSync(file, '[1]');
    assert.throws(() => loadConfig({}, file, {}), { message: `config file ${file}: expected a JSON object of settings` });
    const missing = path.join(dir, 'missing.json');
    assert.throws(() => loadConfig({}, missing, {}), { message: `cannot read config file ${missing}: ENOENT (no such file or directory)` });
  });

  it('tells where each value came from, and warns about unknown TFGW_* variables', () => {
    const file = configFile({ maxPeers: 3, spareSessions: 2 });
    const { sources, warnings } = loadSettings({ spareSessions: '5' }, file, { TFGW_MAX_SESIONS: '9', TFGW_PROCESS_MODEL: 'spawn' });
    assert.deepEqual(sources.maxPeers, { kind: 'file', file });
    assert.deepEqual(sources.spareSessions, { kind: 'flag' });
    assert.deepEqual(sources.processModel, { kind: 'env' });
    assert.deepEqual(sources.maxSessions, { kind: 'default' });
    assert.deepEqual(warnings, ['unknown variable TFGW_MAX_SESIONS ignored — did you mean "TFGW_MAX_SESSIONS"?']);
  });

  it('makes paths absolute and needs a listen address', () => {
    const config = loadConfig({ dataDir: 'd', spool: 's', key: 'k.pem' }, undefined, {});
    assert.equal(config.dataDir, path.resolve('d'));
    assert.equal(config.spool, path.resolve('s'));
    assert.equal(config.key, path.resolve('k.pem'));
    assert.equal(loadConfig({}, undefined, {}).key, '', 'an empty key stays empty (generated on first start)');
    assert.throws(() => loadConfig({ listen: ' , ' }, undefined, {}), { message: '--listen: at least one listen address is needed' });
  });
});
