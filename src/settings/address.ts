/** Listening addresses as settings write them (`host:port`, `[v6]:port`) and as logs and the console show them. */

export interface Address {
  host: string;
  port: number;
}

/** Parses `host:port`, `[v6]:port`, `:port` or `port`. */
export function parseListenAddress(text: string): Address {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (!m) throw new Error(`bad address ${JSON.stringify(text)} (expected host:port)`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`bad port in ${JSON.stringify(text)} (expected 0..65535)`);
  // No host (`:port`, `port`): every IPv4 address.
  const host = m[1] || m[2] || '0.0.0.0';
  return { host, port };
}

/** `host:port`, with an IPv6 host in brackets. */
export function formatAddress(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
