// Side by side with the reference TFProtocol C server (see REFERENCE-SERVER.md
// beside the project for how to build it): every figure of the comparison table
// measured against both servers alternately in one run, both serving inside one
// loopback-only network namespace made for the run, once on the default spool on
// disk and once on a tmpfs spool, with the floors of the same run. It writes
// docs/perf/reference.json and re-renders docs/PERFORMANCE.md from it.
// Usage: node scripts/perf-report.js --against-reference <dir with release/tfd and tf.conf | tf.conf> [--quick]
//   [--figures key,...] (a subset of the figures, by key: perf-reference-figures.js)
// Without a reference build (or with `--against-reference none`) the tfgw column
// and the floors are still measured.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { FIGURES } = require('./perf-reference-figures');
const { underInotifyCap } = require('./inotify-cap');

const root = path.resolve(__dirname, '..');
const tfgw = path.join(root, 'bin', 'tfgw');
const ns = `tfgw-perf-${process.pid}`;

function log(msg) {
  process.stderr.write(`perf-reference: ${msg}\n`);
}

/** The reference build and its configuration, or null when there is none to run. */
function findReference(where) {
  if (!where || where === 'none') return null;
  const conf = fs.existsSync(where) && fs.statSync(where).isFile() ? where : path.join(where, 'tf.conf');
  const binary = path.join(path.dirname(conf), 'release', 'tfd');
  if (!fs.existsSync(conf) || !fs.existsSync(binary)) {
    log(`no reference build at ${where} (want ${binary} and ${conf}): measuring tfgw alone`);
    return null;
  }
  const text = fs.readFileSync(conf, 'utf8');
  const field = (name) => new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(text)?.[1];
  const pem = /^pubkey \{([\s\S]*?)\}$/m.exec(text)?.[1];
  if (!pem || !field('port') || !field('hash') || !field('proto')) throw new Error(`${conf}: no port, hash, proto or pubkey block`);
  return { binary, conf, port: Number(field('port')), hash: field('hash'), proto: field('proto'), pem: `${pem.trim()}\n` };
}

/** A process group started in the namespace; stopped as a group. */
function startGroup(argv, opts = {}) {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { detached: true, stdio: opts.stdio ?? ['ignore', 'ignore', 'inherit'] });
  const group = {
    child,
    pgid: child.pid,
    exited: new Promise((resolve) => child.once('exit', resolve)),
    stop: async () => {
      for (const [signal, waitMs] of [['SIGTERM', 3000], ['SIGKILL', 1000]]) {
        try {
          process.kill(-group.pgid, signal);
        } catch {
          return; // the group is gone
        }
        await new Promise((r) => setTimeout(r, waitMs));
      }
    },
  };
  return group;
}

const live = new Set();

async function startTfgw(work, spool, port) {
  const g = startGroup(underInotifyCap([process.execPath, tfgw, 'serve',
    '--listen', `127.0.0.1:${port}`, '--data-dir', path.join(work, 'data'), '--spool', spool, '--spare-sessions', '8',
    '--max-sessions', '2000', '--max-peers', '2000', '--log-level', 'warn']), { stdio: ['ignore', 'pipe', 'inherit'] });
  live.add(g);
  await new Promise((resolve, reject) => {
    let out = '';
    g.child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('spool ')) resolve();
    });
    g.exited.then((code) => reject(new Error(`tfgw serve exited ${code}`)));
  });
  g.child.stdout.resume();
  await new Promise((r) => setTimeout(r, 1500)); // the spare sessions start
  return g;
}

async function startReference(ref, work) {
  const conf = path.join(work, 'tf.conf');
  fs.copyFileSync(ref.conf, conf);
  const g = startGroup([ref.binary, conf], { stdio: ['ignore', fs.openSync(path.join(work, 'reference.log'), 'w'), 'inherit'] });
  live.add(g);
  await new Promise((r) => setTimeout(r, 1000));
  return g;
}

/** One `tfgw bench` in the namespace, killed (its whole group) once past `boundS`. */
async function bench(args, target, boundS) {
  const cmd = `tfgw bench ${args.join(' ')}`;
  log(`${target.name}: ${cmd} (bound ${boundS} s)`);
  const g = startGroup([process.execPath, tfgw, 'bench', ...args, ...target.args, '--json', '--no-progress'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  g.child.stdout.on('data', (c) => {
    out += c;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    g.stop();
  }, boundS * 1000);
  const code = await g.exited;
  clearTimeout(timer);
  if (timedOut) return { cmd, json: null, timedOut: boundS };
  try {
    return { cmd, json: JSON.parse(out), code };
  } catch {
    return { cmd, json: null, failed: `exit ${code}` };
  }
}

/** tfgw's floors: command line and parsed output, outside the namespace (no network). */
function floor(args) {
  const full = ['bench', 'floor', ...args, '--json', '--no-progress'];
  log(`tfgw ${full.slice(0, -2).join(' ')}`);
  const run = spawnSync(process.execPath, [tfgw, ...full], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
  return { cmd: `tfgw ${full.slice(0, -2).join(' ')}`, json: run.status === 0 ? JSON.parse(run.stdout) : null };
}

/** RSA-2048 private-key operations per second on both cores: `openssl speed -multi 2 rsa2048`. */
function rsaFloor(seconds) {
  const args = ['speed', '-seconds', String(seconds), '-multi', '2', 'rsa2048'];
  log(`openssl ${args.join(' ')}`);
  const run = spawnSync('openssl', args, { encoding: 'utf8', timeout: 120_000 });
  const m = /^rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/m.exec(run.stdout ?? '');
  return { cmd: `openssl ${args.join(' ')}`, signPerS: m ? Number(m[1]) : null, verifyPerS: m ? Number(m[2]) : null };
}

function fsType(dir) {
  const run = spawnSync('df', ['--output=fstype', dir], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim().split('\n').pop() : '?';
}

async function pass(label, spool, work, ref, quick, figures) {
  const port = 10500 + Math.floor(Math.random() * 400);
  const result = { label, spool, fileSystem: fsType(spool), floors: {}, figures: {} };
  const rounds = quick ? '200' : '1000';
  result.floors.ipc64 = floor(['--only', 'ipc', '--spool', spool, '--size', '64', '--rounds', rounds, '--stream', quick ? '1000' : '4000']);
  result.floors.ipc1k = floor(['--only', 'ipc', '--spool', spool, '--size', '1024', '--rounds', '100', '--stream', quick ? '1000' : '4000']);
  const server = await startTfgw(work, spool, port);
  const targets = [{ name: 'tfgw', args: ['--port', String(port), '--data-dir', path.join(work, 'data')] }];
  let refGroup = null;
  if (ref) {
    refGroup = await startReference(ref, work);
    targets.push({
      name: 'reference',
      args: ['--port', String(ref.port), '--public-key', path.join(work, 'reference.pem'), '--hash', ref.hash, '--proto', ref.proto],
    });
  }
  try {
    for (const [i, figure] of figures.entries()) {
      result.figures[figure.key] = {};
      // Alternately: tfgw first for one figure, the reference first for the next.
      const order = i % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const extra = figure.memory ? (target.name === 'tfgw' ? ['--spool', spool] : ['--server-group', String(refGroup.pgid)]) : [];
        result.figures[figure.key][target.name] = await bench([...figure.args(quick), ...extra], target, figure.boundS);
      }
    }
  } finally {
    await server.stop();
    live.delete(server);
    if (refGroup) {
      await refGroup.stop();
      live.delete(refGroup);
    }
  }
  return result;
}

function tmpfsSpool(work) {
  const dir = path.join(work, 'ram-spool');
  fs.mkdirSync(dir);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1g,mode=0700', 'tmpfs', dir]).status === 0) {
    return { dir, unmount: () => spawnSync('umount', [dir]) };
  }
  const shm = fs.mkdtempSync('/dev/shm/tfgw-perf-');
  return { dir: shm, unmount: () => fs.rmSync(shm, { recursive: true, force: true }) };
}

async function cleanUp() {
  for (const g of live) await g.stop();
  live.clear();
  spawnSync('ip', ['netns', 'del', ns]);
}

async function run(where, quick, keys) {
  const figures = keys ? FIGURES.filter((f) => keys.includes(f.key)) : FIGURES;
  if (figures.length === 0) throw new Error(`--figures: the keys are ${FIGURES.map((f) => f.key).join(', ')}`);
  const ref = findReference(where);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tfgw-perf-ref-'));
  if (ref) fs.writeFileSync(path.join(work, 'reference.pem'), ref.pem);
  const onSignal = (signal) => {
    cleanUp().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = new Date();
  const ram = tmpfsSpool(work);
  const out = { meta: { started: started.toISOString(), quick, reference: ref ? path.dirname(ref.conf) : null }, passes: [] };
  try {
    if (spawnSync('ip', ['netns', 'add', ns]).status !== 0) throw new Error(`cannot create the network namespace ${ns} (needs root)`);
    spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    out.cipher = floor(['--only', 'cipher', '--cipher-mib', quick ? '4' : '16']);
    out.rsa = rsaFloor(quick ? 1 : 3);
    out.passes.push(await pass('disk', path.join(root, 'spool'), work, ref, quick, figures));
    out.passes.push(await pass('tmpfs', ram.dir, work, ref, quick, figures));
  } finally {
    await cleanUp();
    ram.unmount();
    fs.rmSync(work, { recursive: true, force: true });
  }
  out.meta.finished = new Date().toISOString();
  fs.writeFileSync(path.join(root, 'docs', 'perf', 'reference.json'), `${JSON.stringify(out, null, 1)}\n`);
  log('wrote docs/perf/reference.json');
}

module.exports = { run };
