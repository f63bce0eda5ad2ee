/**
 * The message path's tier-up (src/session/tier-up.ts), seen in V8 itself: in a
 * child process with V8's own introspection, how many calls a new function
 * takes to be optimised at each setting. No concurrent compilation there, so the
 * counts are exact, not timings.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { nativeSockets } from '../../src/native';
import { V8_DEFAULT_INTERRUPT_BUDGET, startBudget } from '../../src/session/tier-up';

const MODULE = path.join(__dirname, '..', '..', 'src', 'session', 'tier-up.js');

/** Calls to optimisation of a fresh function: at start, after tierUpSooner, after tierUpAtDefault. */
function callsToOptimise(extraFlags: string[] = []): number[] {
  const script = `
    const tier = require(${JSON.stringify(MODULE)});
    let k = 0;
    // A new source each time: the compilation cache would hand back optimised code.
    const fresh = () => new Function('a', 'return (a * 3 + ' + ++k + ') ^ (a >>> 2);');
    function calls(fn) {
      for (let n = 1; n <= 100000; n++) { fn(n); if (%GetOptimizationStatus(fn) & 16) return n; }
      return -1;
    }
    %NeverOptimizeFunction(calls);
    const out = [calls(fresh())];
    tier.tierUpSooner();
    out.push(calls(fresh()));
    tier.tierUpAtDefault();
    out.push(calls(fresh()));
    process.stdout.write(JSON.stringify(out));
  `;
  const flags = ['--allow-natives-syntax', '--no-concurrent-recompilation', ...extraFlags];
  return JSON.parse(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' })) as number[];
}

const flagsSettable = nativeSockets()?.setV8Flags !== undefined;

describe('tier-up of the message path', () => {
  it('optimises sooner while messages flow, and at the default again after', { skip: flagsSettable ? false : 'native helper not built' }, () => {
    const [atStart, sooner, after] = callsToOptimise();
    assert.ok(atStart > 0 && sooner > 0 && after > 0, `all optimised: ${atStart} ${sooner} ${after}`);
    assert.ok(sooner * 2 < atStart, `sooner: ${sooner} calls against ${atStart}`);
    assert.equal(after, atStart, 'the default budget again');
  });

  it('leaves a budget given in the session flags alone', () => {
    const [atStart, sooner, after] = callsToOptimise(['--interrupt-budget=200000']);
    assert.equal(sooner, atStart);
    assert.equal(after, atStart);
    assert.equal(startBudget(['--max-old-space-size=96', '--interrupt-budget=4096']), 4096);
    assert.equal(startBudget(['--max-old-space-size=96']), null);
  });

  it('restores the default this Node release has', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    const m = /default: --interrupt-budget=(\d+)/.exec(options);
    assert.ok(m, 'node --v8-options names the interrupt budget');
    assert.equal(Number(m[1]), V8_DEFAULT_INTERRUPT_BUDGET);
  });
});
