/** `tfgw keygen`: writes an RSA-2048 key pair for a server and its clients. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { writeKeyPair } from '../settings/keys';

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('write an RSA-2048 key pair: private key in PKCS#1 PEM, public key in SPKI PEM')
    .option('-o, --out <dir>', 'directory for private.pem and public.pem', '.')
    .option('--private <file>', 'private key file (overrides --out)')
    .option('--public <file>', 'public key file (overrides --out)')
    .option('-f, --force', 'overwrite existing files')
    .action((flags: { out: string; private?: string; public?: string; force?: boolean }) => {
      const privateFile = path.resolve(flags.private ?? path.join(flags.out, 'private.pem'));
      const publicFile = path.resolve(flags.public ?? path.join(flags.out, 'public.pem'));
      for (const file of [privateFile, publicFile]) {
        if (existsSync(file) && !flags.force) throw new Error(`${file} exists (use --force to overwrite)`);
      }
      writeKeyPair(privateFile, publicFile);
      process.stdout.write(`private key: ${privateFile}\npublic key:  ${publicFile}\n`);
    });
}
