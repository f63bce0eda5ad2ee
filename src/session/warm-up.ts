/**
 * A fresh session process runs its per-message code in V8's interpreter and
 * baseline tiers until the code has run often enough to be optimised: measured
 * with sessions fresh from the pool, a first connection reached about half the
 * steady message rate. Before it waits for its first connection, the process
 * therefore plays a short conversation in memory through the same protocol
 * core a client's bytes go through (handshake frames, commands, gateway sends
 * parsed and relayed, deliveries framed, both cipher directions), on a fixed
 * dummy key and with no I/O. A spare process does this ahead of need, so no
 * client waits for it; what it leaves behind (compiled code, feedback) is what a
 * first connection would have built anyway.
 */
import { ClientSession } from '../protocol/client-session';
import { type SessionHost, ServerSession } from '../protocol/server-session';
import { OK } from '../protocol/replies';

export interface WarmUpOptions {
  version: string;
  hash: string;
  /** Gateway messages played, spread over the sizes below. */
  messages: number;
}

/**
 * Sizes the messages cycle through. The code needs calls more than bytes to be
 * optimised, so most are small; every sixteenth is 64 KiB, for the paths only
 * large frames take.
 */
const SIZES = [64, 1024, 64, 4096, 64, 1024, 64, 16 * 1024, 64, 1024, 64, 4096, 64, 1024, 256, 64 * 1024];

/** What a warm-up did (for the log and tests). */
export interface WarmUpReport {
  relayed: number;
  delivered: number;
  ms: number;
}

/** A session key that is not degenerate (`isDegenerateKey`), the same every time. */
function dummyKey(): Buffer {
  return Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 73 + 29) & 0xff));
}

/**
 * Plays the conversation: connection sequence, a command, a gateway stay in which
 * `messages` messages go from the client through the server's parser to `relay`
 * and straight back as deliveries, and the leave. Rejects if the conversation does
 * not go as the protocol says (a broken build should not serve).
 */
export async function warmUp(options: WarmUpOptions): Promise<WarmUpReport> {
  const started = performance.now();
  const key = dummyKey();
  const seen = { ready: false, entered: false, left: false, delivered: 0, relayed: 0 };
  const toServer: Buffer[] = [];
  const toClient: Buffer[] = [];
  const client = new ClientSession(
    { version: options.version, hash: options.hash, sessionKey: key, sealedKey: key },
    {
      write: (bytes) => toServer.push(bytes),
      event: (event) => {
        if (event.kind === 'ready') seen.ready = true;
        else if (event.kind === 'entered') seen.entered = true;
        else if (event.kind === 'delivery') seen.delivered++;
        else if (event.kind === 'left') seen.left = true;
        else if (event.kind === 'refused' || event.kind === 'violation') throw new Error(`warm-up: ${JSON.stringify(event)}`);
      },
    },
  );
  let server: ServerSession | null = null;
  const host: SessionHost = {
    nowNs: () => process.hrtime.bigint(),
    uuid: () => '00000000-0000-4000-8000-000000000000',
    procKey: '/0warm',
    keepalive: () => true,
    decryptSessionKey: (blob) => Buffer.from(blob),
    write: (bytes) => toClient.push(bytes),
    close: (reason) => {
      throw new Error(`warm-up: the server closed the session (${reason})`);
    },
    // Answered later, as a real claim is: the server parses nothing meanwhile.
    claimIdentity: () => queueMicrotask(() => server?.identityResult(OK)),
    relay: (_destination, message) => {
      seen.relayed++;
      const frame = server?.encodeDelivery(message);
      if (frame) toClient.push(frame);
    },
    leaveGateway: () => false,
  };
  server = new ServerSession({ version: options.version, hash: options.hash, acceptDegenerateKeys: false, handshakeFrameLimit: 4096 }, host);
  const pump = (): void => {
    while (toServer.length > 0 || toClient.length > 0) {
      for (const bytes of toServer.splice(0)) server!.receive(bytes);
      for (const bytes of toClient.splice(0)) client.receive(bytes);
    }
  };
  client.start();
  pump();
  if (!seen.ready) throw new Error('warm-up: the connection sequence did not complete');
  client.command('ECHO warm');
  client.enterGateway(Buffer.from('tfgw-warm-up'));
  pump();
  await Promise.resolve();
  pump();
  if (!seen.entered) throw new Error('warm-up: the gateway stay did not open');
  const destination = Buffer.from('tfgw-warm-up');
  const payloads = SIZES.map((size) => Buffer.alloc(size, 0x5a));
  for (let i = 0; i < options.messages; i++) {
    const frame = client.encodeSend(destination, payloads[i % payloads.length]!);
    // Every other frame in two pieces, as a socket may hand it over.
    if (i % 2 === 0) toServer.push(frame);
    else toServer.push(frame.subarray(0, frame.length >> 1), frame.subarray(frame.length >> 1));
    pump();
  }
  client.leave('tfgw-warm-up-leave');
  pump();
  if (seen.relayed !== options.messages || seen.delivered !== options.messages || !seen.left) {
    throw new Error(`warm-up: ${seen.relayed} relayed, ${seen.delivered} delivered of ${options.messages}, left ${seen.left}`);
  }
  return { relayed: seen.relayed, delivered: seen.delivered, ms: performance.now() - started };
}
