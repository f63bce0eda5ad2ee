import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sessionSettings } from '../../src/settings/session-settings';
import {
  LIVE_SETTINGS,
  SESSION_SETTINGS,
  SETTINGS,
  SETTING_KEYS,
  type ServerConfig,
  defaultOf,
  defaultSettings,
  envName,
  helpText,
  isSettingKey,
  localDefault,
  settingEntry,
} from '../../src/settings/table';

describe('settings table', () => {
  it('gives every setting a default that its own parser reads back from text', () => {
    for (const key of SETTING_KEYS) {
      const { default: value, parse } = settingEntry(key);
      const read = Array.isArray(value) ? parse.many!(value.map(String)) : parse.one(String(value));
      assert.deepEqual(read, value, key);
    }
  });

  it('parsers refuse what they do not take, and name what they expected', () => {
    assert.throws(() => SETTINGS.maxSessions.parse.one('0'), /expected an integer in 1\.\.100000/);
    assert.throws(() => SETTINGS.maxSessions.parse.one('1.5'), /expected an integer/);
    assert.throws(() => SETTINGS.processModel.parse.one('fork'), /expected one of prefork, spawn/);
    assert.throws(() => SETTINGS.acceptDegenerateKeys.parse.one('maybe'), /expected true or false/);
    assert.equal(SETTINGS.acceptDegenerateKeys.parse.one('Yes'), true);
    assert.deepEqual(SETTINGS.listen.parse.one(' a:1 , ,b:2'), ['a:1', 'b:2']);
    assert.deepEqual(SETTINGS.listen.parse.many!(['a:1,b:2', 'c:3']), ['a:1', 'b:2', 'c:3']);
    assert.equal(SETTINGS.logLevel.parse.many, undefined, 'a single-valued setting takes no lists');
    assert.throws(() => SETTINGS.maxSessions.parse.one('abc'), { message: 'expected an integer in 1..100000, got "abc"' });
    assert.throws(() => SETTINGS.logFormat.parse.one('xml'), { message: 'expected one of text, json, got "xml"' });
    assert.throws(() => SETTINGS.acceptDegenerateKeys.parse.one('maybe'), { message: 'expected true or false, got "maybe"' });
    assert.throws(() => SETTINGS.listen.parse.many!(['a:1', 'b']), { message: 'bad address "b" (expected host:port)' });
    assert.equal(SETTINGS.metricsListen.parse.one(''), '', 'an empty metrics address is off');
  });

  it('keeps the config object in table order, with fresh copies of the defaults', () => {
    const config = defaultSettings();
    assert.deepEqual(Object.keys(config), SETTING_KEYS);
    assert.equal(config.maxSessions, 1024);
    assert.equal(config.processModel, 'prefork');
    config.listen.push('changed:1');
    assert.deepEqual(defaultOf('listen'), ['0.0.0.0:10346']);
    assert.deepEqual(SETTINGS.listen.default, ['0.0.0.0:10346']);
  });

  it('types each key with its parser value type', () => {
    const config: ServerConfig = defaultSettings();
    const count: number = config.maxSessions;
    const flag: boolean = config.acceptDegenerateKeys;
    const addresses: string[] = config.listen;
    // @ts-expect-error: the process model is one of its enumeration, not any text
    config.processModel = 'fork';
    // @ts-expect-error: a count is a number
    config.maxPeers = '8';
    assert.deepEqual([typeof count, typeof flag, Array.isArray(addresses)], ['number', 'boolean', true]);
  });

  it('derives the TFGW_* names from the keys', () => {
    assert.equal(envName('maxSessions'), 'TFGW_MAX_SESSIONS');
    assert.equal(envName('handshakeTimeoutMs'), 'TFGW_HANDSHAKE_TIMEOUT_MS');
    assert.equal(envName('spool'), 'TFGW_SPOOL');
    const names = SETTING_KEYS.map(envName);
    for (const name of names) assert.match(name, /^TFGW_[A-Z]+(_[A-Z]+)*$/);
    assert.equal(new Set(names).size, names.length);
  });

  it('knows its keys and nothing inherited', () => {
    assert.equal(isSettingKey('rateLimitBytes'), true);
    assert.equal(isSettingKey('rateLimit'), false);
    assert.equal(isSettingKey('toString'), false);
    assert.equal(isSettingKey('constructor'), false);
  });

  it('writes the default into help texts that show it', () => {
    assert.equal(helpText('maxSessions'), 'most concurrent connections (default 1024)');
    assert.equal(helpText('inboxMaxBytes'), 'queued bytes at which an inbox refuses more (default 268435456)');
    assert.match(helpText('listen'), /\(repeatable; default 0\.0\.0\.0:10346\)$/);
    for (const key of SETTING_KEYS) assert.doesNotMatch(helpText(key), /\{default\}/, key);
  });

  it('gives client commands the local server default, or its TFGW_* variable', () => {
    assert.equal(localDefault('spool', {}), defaultOf('spool'));
    assert.equal(localDefault('spool', { TFGW_SPOOL: '/elsewhere' }), '/elsewhere');
    assert.equal(localDefault('dataDir', { TFGW_DATA_DIR: 'd' }), 'd');
  });
});

describe('live settings and session settings', () => {
  it('takes live exactly the settings the table marks live', () => {
    assert.deepEqual(LIVE_SETTINGS, SETTING_KEYS.filter((key) => SETTINGS[key].live));
    assert.deepEqual(
      [...LIVE_SETTINGS].sort(),
      [
        'acceptDegenerateKeys', 'conflictPolicy', 'handshakeFrameLimit', 'handshakeTimeoutMs', 'idleTimeoutMs',
        'inboxMaxBytes', 'inboxMaxFiles', 'keyExchangeTimeoutMs', 'logLevel', 'maxPeers', 'maxSessions',
        'preauthPerAddress', 'rateLimitBytes', 'recycleAfter', 'shutdownDrainMs', 'slowReceiverTimeoutMs',
        'spareSessions', 'warmUpMessages',
      ],
    );
  });

  it('hands sessions the settings marked for them, the effective hash and the key file', () => {
    assert.deepEqual(SESSION_SETTINGS, SETTING_KEYS.filter((key) => SETTINGS[key].session));
    const config = defaultSettings();
    config.inboxMaxFiles = 7;
    const settings = sessionSettings(config, '/keys/private.pem', 'the-hash');
    assert.deepEqual(
      Object.keys(settings).sort(),
      [
        'acceptDegenerateKeys', 'conflictPolicy', 'handshakeFrameLimit', 'handshakeTimeoutMs', 'hash', 'idleTimeoutMs',
        'inboxMaxBytes', 'inboxMaxFiles', 'keyExchangeTimeoutMs', 'logFormat', 'logLevel', 'maxPeers', 'nodeId',
        'pollIntervalMs', 'preauthPerAddress', 'privateKeyFile', 'proto', 'rateLimitBytes', 'recycleAfter', 'reuseFiles',
        'shutdownDrainMs', 'slowReceiverTimeoutMs', 'spool', 'staleMs', 'warmUpMessages', 'watchMode',
      ],
    );
    assert.equal(settings.inboxMaxFiles, 7);
    assert.equal(settings.hash, 'the-hash');
    assert.equal(settings.privateKeyFile, '/keys/private.pem');
  });
});
