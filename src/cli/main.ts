#!/usr/bin/env node
/** The `tfgw` command line. */
import { Command } from 'commander';
import { registerBench } from './bench';
import { registerConfig } from './config';
import { registerKeygen } from './keygen';
import { registerReceive } from './receive';
import { registerPeer } from './peer';
import { registerSend } from './send';
import { registerServe } from './serve';
import { registerSpool } from './spool';

export function buildProgram(): Command {
  const program = new Command('tfgw')
    .description('TFProtocol Gateway (XS_GATEWAY) server, client and tools, with a file-spool IPC')
    .version(require('../../../package.json').version as string)
    .showHelpAfterError()
    // Options after a command's name are that command's: `tfgw spool send --spool DIR` reaches `send`.
    .enablePositionalOptions();
  registerServe(program);
  registerConfig(program);
  registerKeygen(program);
  registerPeer(program);
  registerSend(program);
  registerReceive(program);
  registerSpool(program);
  registerBench(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: Error) => {
    process.stderr.write(`tfgw: ${err.message}\n`);
    process.exit(1);
  });
