import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { knownVariables, unknownVariableWarnings } from '../../src/settings/environment';

/** Every `TFGW_*` name the source tree reads from an environment. */
function variablesReadBySource(dir: string): Set<string> {
  const names = new Set<string>();
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) for (const n of variablesReadBySource(file)) names.add(n);
    else if (name.endsWith('.ts')) for (const m of readFileSync(file, 'utf8').matchAll(/env\.(TFGW_[A-Z_]+)/g)) names.add(m[1]!);
  }
  return names;
}

describe('TFGW_* variables', () => {
  it('knows every variable the source reads', () => {
    const root = path.resolve(__dirname, '..', '..', '..', 'src');
    const known = knownVariables();
    for (const name of variablesReadBySource(root)) assert.ok(known.includes(name), `${name} is read but not known`);
  });

  it('warns about unknown ones with a did-you-mean, and about nothing else', () => {
    const env = { TFGW_MAX_SESIONS: '3', TFGW_MAX_SESSIONS: '4', TFGW_CONFIG: '/c.json', TFGW_CIPHER: 'js', PATH: '/bin', TFGW_ZZZ: '1' };
    assert.deepEqual(unknownVariableWarnings(env), [
      'unknown variable TFGW_MAX_SESIONS ignored — did you mean "TFGW_MAX_SESSIONS"?',
      'unknown variable TFGW_ZZZ ignored',
    ]);
    assert.deepEqual(unknownVariableWarnings({ TFGW_LOG_LEVEL: 'x', TFGW_HOST: 'h', TFGW_PORT: '1' }), []);
  });
});
