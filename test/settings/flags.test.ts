import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { registerServe } from '../../src/cli/serve';
import { flagTexts, settingOptions } from '../../src/settings/flags';
import { SETTINGS, SETTING_KEYS } from '../../src/settings/table';
import { localNodeId } from '../../src/spool/names';

/** `tfgw serve --help`, built in-process, one line per option (no wrapping). */
function serveHelp(): string {
  const program = new Command('tfgw').configureHelp({ helpWidth: 10_000 });
  registerServe(program);
  const serve = program.commands.find((command) => command.name() === 'serve')!;
  return serve.helpInformation();
}

/** The options of `tfgw serve` and their help, as the command has always had them. */
const SERVE_HELP: [string, string][] = [
  ['-l, --listen <addr>', 'address to listen on, host:port or [v6]:port (repeatable; default 0.0.0.0:10346)'],
  ['--proto <version>', 'protocol version clients must send (default 0.0)'],
  ['--hash <hash>', 'hash string clients must send (default: generated, kept in the data dir)'],
  ['--key <file>', 'RSA-2048 private key, PEM PKCS#1 or PKCS#8 (default: <data-dir>/private.pem)'],
  ['--data-dir <dir>', 'where keys and the hash live (default: <repo>/data in a clone, <state dir>/data when installed)'],
  ['--spool <dir>', 'spool directory for the file IPC (default: <repo>/spool in a clone, <state dir>/spool when installed)'],
  ['-c, --config <file>', 'JSON config file (also TFGW_CONFIG)'],
  ['--max-sessions <n>', 'most concurrent connections (default 1024)'],
  ['--max-peers <n>', 'most identities in the gateway (default 1024)'],
  ['--process-model <model>', "'prefork' (processes wait and accept themselves) or 'spawn' (one started per connection)"],
  ['--spare-sessions <n>', 'idle session processes kept waiting, prefork model (default 4)'],
  ['--conflict-policy <policy>', "identity already held: 'takeover' (newest wins) or 'refuse'"],
  ['--handshake-timeout <ms>', 'time allowed for the connection sequence (default 10000)'],
  ['--idle-timeout <ms>', 'close connections idle this long; 0 = never (default 0)'],
  ['--accept-degenerate-keys', 'accept session keys whose cipher seed degenerates'],
  [
    '--node-id <id>',
    `this host's name in a spool shared by several hosts: [a-z0-9][a-z0-9_-]{0,62}, unique per host (default: the host name made safe, ${localNodeId()})`,
  ],
  [
    '--watch-mode <mode>',
    "inbox watch: 'auto' (inotify, polling when none is left, both on a network file system), 'native' (refuse the identity without one) or 'poll'",
  ],
  ['--poll-interval <ms>', 'how often a polled inbox is listed (default 200)'],
  [
    '--reuse-files <when>',
    "message files read are kept for the next writer (SPOOL.md §8.3): 'auto' (where it pays: a local ext4 without a journal), 'on' or 'off'",
  ],
  ['--inbox-max-files <n>', 'queued messages at which an inbox refuses more (default 10000)'],
  ['--inbox-max-bytes <n>', 'queued bytes at which an inbox refuses more (default 268435456)'],
  ['--slow-receiver-timeout <ms>', 'disconnect a client whose inbox stays full this long; 0 = never (default 0)'],
  ['--rate-limit <bytes/s>', 'per-connection inbound limit; 0 = off (default 0)'],
  ['--log-level <level>', 'debug, info, warn or error (default info)'],
  ['--log-format <format>', 'text or json (default text)'],
  ['--metrics-listen <addr>', 'serve /metrics (Prometheus) and /healthz on host:port (default: off)'],
  ['-h, --help', 'display help for command'],
];

describe('flags of tfgw serve', () => {
  it('lists every option with its spelling and help, in the order it always had', () => {
    const lines = serveHelp()
      .split('\n')
      .filter((line) => line.startsWith('  -'))
      .map((line) => line.trim().split(/ {2,}/));
    assert.deepEqual(lines, SERVE_HELP);
  });

  it('registers one option for each setting that has a flag, from the table', () => {
    const options = settingOptions();
    const flagged = SETTING_KEYS.filter((key) => SETTINGS[key].flag !== undefined);
    assert.deepEqual(
      options.map((option) => option.flags),
      flagged.map((key) => SETTINGS[key].flag),
    );
    const help = serveHelp();
    for (const key of SETTING_KEYS.filter((k) => SETTINGS[k].flag === undefined)) {
      assert.doesNotMatch(help, new RegExp(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}\\b`), key);
    }
  });

  it('reads given flags back as setting texts, under the setting keys', () => {
    const command = new Command('serve').exitOverride();
    for (const option of settingOptions()) command.addOption(option);
    command.parse(['-l', 'a:1', '--listen', 'b:2', '--handshake-timeout', '500', '--accept-degenerate-keys', '--log-level', 'warn'], {
      from: 'user',
    });
    assert.deepEqual(flagTexts(command.opts()), {
      listen: ['a:1', 'b:2'],
      handshakeTimeoutMs: '500',
      acceptDegenerateKeys: 'true',
      logLevel: 'warn',
    });
  });

  it('leaves out flags not given', () => {
    const command = new Command('serve');
    for (const option of settingOptions()) command.addOption(option);
    command.parse([], { from: 'user' });
    assert.deepEqual(flagTexts(command.opts()), {});
  });
});
