/**
 * The reply texts of the command interface and the connection sequence.
 * Clients parse the integer after "FAILED ", so the codes are part of the wire contract.
 */
export const OK = 'OK';
export const UNKNOWN = 'UNKNOWN';

export function failed(code: number, text: string): string {
  return `FAILED ${code} : ${text}`;
}

export const FAILED_ACCESS_DENIED = failed(1, 'Access denied to location.');
export const FAILED_INTERNAL = failed(1, 'Internal error occurred.');
export const FAILED_INCOMPATIBLE = failed(2, 'Incompatible protocol.');
export const FAILED_BAD_HASH = failed(3, 'Invalid hash string.');
export const FAILED_MISSING_PARAMETER = failed(16, 'Missing parameter from command.');
export const FAILED_MEMORY = failed(14, 'Internal memory error.');
export const FAILED_BAD_KEY = failed(25, 'Bad public rsa encryption key.');
export const FAILED_KEEPALIVE = failed(32, 'Failed to set TCP keepalive parameters.');

/** Parses the numeric code out of a `FAILED <code> : <text>` reply, or null for other replies. */
export function failureCode(reply: string): number | null {
  const match = /^FAILED\s+(-?\d+)/.exec(reply);
  return match ? Number(match[1]) : null;
}
