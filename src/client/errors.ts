/** The three errors the client library rejects with, so callers can tell a refusal, a broken connection and a misuse apart. */
import { failureCode } from '../protocol/replies';

/**
 * The server answered a step with something other than `OK`. `code` is the number
 * after `FAILED ` when the reply is a failure, and null for anything else (for
 * example `UNKNOWN`).
 */
export class TfReplyError extends Error {
  readonly reply: string;
  readonly code: number | null;

  constructor(step: string, reply: string) {
    super(`${step}: server replied ${JSON.stringify(reply)}`);
    this.name = 'TfReplyError';
    this.reply = reply;
    this.code = failureCode(reply);
  }
}

/** The connection failed, broke the protocol, timed out or was closed. */
export class TfConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TfConnectionError';
  }
}

/** The call does not fit the client's current mode (e.g. a command while inside the gateway). */
export class TfStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TfStateError';
  }
}
