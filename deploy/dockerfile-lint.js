#!/usr/bin/env node
// A lint of the Dockerfile for a machine without a container engine (run by
// scripts/check-deploy.sh): the rules docs/DEPLOY.md promises (stages, a
// non-root user, a health check, the state as volumes, nothing fetched by ADD),
// and, with --run, the runtime stage's entry command, environment and health
// check rewritten to run outside a container, as shell arrays to eval.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

/** The instructions of a Dockerfile: continuation lines joined, comments dropped. */
function instructions(text) {
  const joined = text.replace(/\\\r?\n(\s*#.*\r?\n)*/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [, op, rest] = /^(\S+)\s*(.*)$/.exec(line);
      return { op: op.toUpperCase(), args: rest.trim() };
    });
}

/** Stages: each FROM and the instructions after it. */
function stages(list) {
  const out = [];
  for (const ins of list) {
    if (ins.op === 'FROM') out.push({ from: ins.args, body: [] });
    else if (out.length > 0) out[out.length - 1].body.push(ins);
  }
  return out;
}

/** ENV arguments, `K=V` pairs (quotes allowed) or the old `K V` form. */
function envPairs(args) {
  const pairs = {};
  if (!args.includes('=')) {
    const [key, ...value] = args.split(/\s+/);
    pairs[key] = value.join(' ');
    return pairs;
  }
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    pairs[m[1]] = m[2].startsWith('"') ? JSON.parse(m[2]) : m[2];
  }
  return pairs;
}

function execForm(args, what, problems) {
  try {
    const parsed = JSON.parse(args);
    if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) return parsed;
  } catch {
    // reported below
  }
  problems.push(`${what} must be in exec (JSON array) form so signals reach node: ${args}`);
  return [];
}

function lint(file) {
  const problems = [];
  const all = stages(instructions(readFileSync(file, 'utf8')));
  if (all.length < 2) problems.push(`a multi-stage build needs two FROM stages or more, found ${all.length}`);
  for (const stage of all) {
    const image = stage.from.split(/\s+/)[0];
    if (!/:[^/]+$/.test(image) || image.endsWith(':latest')) problems.push(`FROM ${image}: pin a tag other than latest`);
  }
  if (all.length > 1 && !/\sAS\s+\S+/i.test(all[0].from)) problems.push('the build stage needs a name (FROM … AS build)');
  for (const ins of all.flatMap((s) => s.body)) {
    if (ins.op === 'ADD' && /(https?|git|ftp):\/\/|\.git\b/.test(ins.args)) problems.push(`ADD of a URL: ${ins.args}`);
    if (ins.op === 'COPY' && !ins.args.includes('--from=')) {
      const sources = ins.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
      for (const src of sources) if (!existsSync(path.join(path.dirname(file), src))) problems.push(`COPY source missing: ${src}`);
    }
  }
  const runtime = all[all.length - 1] ?? { body: [] };
  const last = (op) => runtime.body.filter((i) => i.op === op).pop();
  const user = last('USER');
  if (!user) problems.push('the runtime stage sets no USER (it would run as root)');
  else if (/^(root|0)(:|$)/.test(user.args)) problems.push(`USER ${user.args} is root`);
  const env = Object.assign({}, ...runtime.body.filter((i) => i.op === 'ENV').map((i) => envPairs(i.args)));
  const volumes = runtime.body.filter((i) => i.op === 'VOLUME').flatMap((i) => (i.args.startsWith('[') ? JSON.parse(i.args) : i.args.split(/\s+/)));
  for (const key of ['TFGW_DATA_DIR', 'TFGW_SPOOL']) {
    if (!env[key]) problems.push(`the runtime stage sets no ${key}`);
    else if (!volumes.includes(env[key])) problems.push(`${key}=${env[key]} is not a VOLUME (volumes: ${volumes.join(' ') || 'none'})`);
  }
  const health = last('HEALTHCHECK');
  let healthCmd = [];
  if (!health) problems.push('the runtime stage has no HEALTHCHECK');
  else {
    const m = /\bCMD\s+(.*)$/.exec(health.args);
    healthCmd = m ? execForm(m[1], 'HEALTHCHECK CMD', problems) : [];
    if (!m) problems.push(`HEALTHCHECK without CMD: ${health.args}`);
  }
  const entry = last('ENTRYPOINT') ? execForm(last('ENTRYPOINT').args, 'ENTRYPOINT', problems) : [];
  const cmd = last('CMD') ? execForm(last('CMD').args, 'CMD', problems) : [];
  if (entry.length + cmd.length === 0) problems.push('no ENTRYPOINT or CMD');
  const workdir = last('WORKDIR')?.args ?? '/';
  return { problems, env, volumes, healthCmd, command: [...entry, ...cmd], workdir };
}

/** Single-quoted for bash. */
const quote = (s) => `'${s.replace(/'/g, "'\\''")}'`;

/** The entry command and health check outside a container: paths and ports rewritten. */
function outside(image, root, state, listen, metrics) {
  const volumeRoot = image.volumes.reduce((common, v) => {
    while (!v.startsWith(common)) common = path.dirname(common);
    return common;
  }, image.volumes[0] ?? '/nonexistent');
  const mapPath = (s) => s.split(image.workdir).join(root).split(volumeRoot).join(state);
  const env = Object.entries(image.env).map(([k, v]) => {
    if (k === 'TFGW_LISTEN') return `${k}=${listen}`;
    if (k === 'TFGW_METRICS_LISTEN') return `${k}=${metrics}`;
    return `${k}=${mapPath(v)}`;
  });
  if (!image.env.TFGW_METRICS_LISTEN) env.push(`TFGW_METRICS_LISTEN=${metrics}`);
  const arrays = { IMAGE_ENV: env, IMAGE_COMMAND: image.command.map(mapPath), IMAGE_HEALTH: image.healthCmd.map(mapPath) };
  return Object.entries(arrays)
    .map(([name, values]) => `${name}=(${values.map(quote).join(' ')})`)
    .join('\n');
}

const [file, mode, ...rest] = process.argv.slice(2);
const image = lint(file);
if (image.problems.length > 0) {
  for (const p of image.problems) process.stderr.write(`${file}: ${p}\n`);
  process.exit(1);
}
if (mode === '--run') process.stdout.write(`${outside(image, ...rest)}\n`);
