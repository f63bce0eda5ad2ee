/**
 * A small in-process TFProtocol server for tests: `ServerSession` per socket and an
 * in-memory gateway (identity → session). It listens on 127.0.0.1 with an ephemeral
 * port and a throwaway RSA key pair.
 */
import { type KeyObject, constants, generateKeyPairSync, privateDecrypt, randomBytes, randomUUID } from 'node:crypto';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { after, afterEach, before } from 'node:test';
import { type ConnectOptions, type TfClient, connect } from '../../src/client';
import { OK } from '../../src/protocol/replies';
import { ServerSession, type SessionHost } from '../../src/protocol/server-session';

export interface FakeGatewayOptions {
  version?: string;
  hash?: string;
  /** The reply to an identity claim; OK by default. */
  claimReply?: (identity: Buffer) => string;
  /** Key pair to use; one is generated when omitted. */
  keys?: { publicKey: KeyObject; privateKey: KeyObject };
}

interface Connection {
  socket: Socket;
  session: ServerSession;
  identity: string | null;
}

export class FakeGateway {
  readonly version: string;
  readonly hash: string;
  readonly publicKey: KeyObject;
  private readonly privateKey: KeyObject;
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly peers = new Map<string, Connection>();
  private readonly delivered = new Map<string, number>();
  private readonly clients: TfClient[] = [];

  private constructor(private readonly options: FakeGatewayOptions) {
    this.version = options.version ?? '0.0';
    this.hash = options.hash ?? 'test-hash';
    const keys = options.keys ?? generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.publicKey = keys.publicKey;
    this.privateKey = keys.privateKey;
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
    const gateway = new FakeGateway(options);
    await new Promise<void>((resolve, reject) => {
      gateway.server.once('error', reject);
      gateway.server.listen(0, '127.0.0.1', () => resolve());
    });
    return gateway;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Messages written to the stay registered under `identity` (counted since it was last claimed). */
  deliveredTo(identity: string): number {
    return this.delivered.get(identity) ?? 0;
  }

  /** Frames `payload` as a delivery for `identity` without any checks; false when nobody holds it. */
  deliverRaw(identity: string, payload: Buffer): boolean {
    const peer = this.peers.get(identity);
    const bytes = peer?.session.encodeDelivery(payload);
    if (!peer || !bytes) return false;
    peer.socket.write(bytes);
    return true;
  }

  /** Connects a client library client to this gateway; `closeClients` drops it. */
  async connect(overrides: Partial<ConnectOptions> = {}): Promise<TfClient> {
    const client = await connect({
      host: '127.0.0.1',
      port: this.port,
      version: this.version,
      publicKey: this.publicKey,
      hash: this.hash,
      ...overrides,
    });
    this.clients.push(client);
    return client;
  }

  /** Closes the clients `connect` opened. */
  closeClients(): void {
    for (const client of this.clients.splice(0)) client.close();
  }

  /** Drops every client connection. */
  dropAll(): void {
    for (const connection of this.connections) connection.socket.destroy();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const connection: Connection = {
      socket,
      identity: null,
      session: new ServerSession(
        { version: this.version, hash: this.hash, acceptDegenerateKeys: false, handshakeFrameLimit: 4096 },
        this.host(() => connection),
      ),
    };
    this.connections.add(connection);
    socket.on('data', (chunk: Buffer) => connection.session.receive(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      connection.session.abort();
      this.release(connection);
      this.connections.delete(connection);
    });
  }

  private host(self: () => Connection): SessionHost {
    const procKey = randomBytes(8).toString('hex');
    return {
      procKey,
      nowNs: () => BigInt(Date.now()) * 1_000_000n,
      uuid: () => randomUUID(),
      keepalive: () => true,
      decryptSessionKey: (blob) => this.decrypt(blob),
      write: (bytes) => {
        self().socket.write(bytes);
      },
      close: () => {
        self().socket.end();
      },
      claimIdentity: (identity) => {
        setImmediate(() => this.claim(self(), identity));
      },
      relay: (destination, message) => this.relay(destination, message),
      leaveGateway: () => {
        this.release(self());
        return false;
      },
    };
  }

  private decrypt(blob: Buffer): Buffer | null {
    try {
      return privateDecrypt({ key: this.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, blob);
    } catch {
      return null;
    }
  }

  private claim(connection: Connection, identity: Buffer): void {
    const reply = this.options.claimReply?.(identity) ?? OK;
    if (reply === OK && !connection.socket.destroyed) {
      const name = identity.toString('utf8');
      const previous = this.peers.get(name);
      if (previous) previous.identity = null;
      this.peers.set(name, connection);
      this.delivered.set(name, 0);
      connection.identity = name;
    }
    connection.session.identityResult(reply);
  }

  private relay(destination: Buffer, message: Buffer): void {
    const name = destination.toString('utf8');
    const peer = this.peers.get(name);
    const bytes = peer?.session.encodeDelivery(message);
    if (!peer || !bytes) return;
    peer.socket.write(bytes);
    this.delivered.set(name, (this.delivered.get(name) ?? 0) + 1);
  }

  private release(connection: Connection): void {
    const name = connection.identity;
    if (name !== null && this.peers.get(name) === connection) this.peers.delete(name);
    connection.identity = null;
  }
}

/**
 * A fake gateway for the tests of one file: started before them, the clients it
 * connected closed after each, stopped after all. Call at the top of the file.
 */
export function useFakeGateway(options: FakeGatewayOptions = {}): () => FakeGateway {
  let gateway: FakeGateway | null = null;
  before(async () => {
    gateway = await FakeGateway.start(options);
  });
  afterEach(() => gateway?.closeClients());
  after(() => gateway?.stop());
  return () => {
    if (!gateway) throw new Error('the fake gateway is not started yet');
    return gateway;
  };
}
