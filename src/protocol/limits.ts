/** The sizes and signal values of the TFProtocol wire format, shared by both halves of a session. */

/** The TFProtocol communication buffer: no payload on the wire may be larger. */
export const BUFFER_SIZE = 512 * 1024;

/** An identity (own or destination) may use the whole buffer but one byte. */
export const MAX_IDENTITY = BUFFER_SIZE - 1;

/** A gateway message may fill the whole buffer. */
export const MAX_MESSAGE = BUFFER_SIZE;

/** Session keys delivered through RSA-2048 OAEP (SHA-1): 2048 / 8 - 42 bytes at most. */
export const MIN_SESSION_KEY = 16;
export const MAX_SESSION_KEY = 214;

/** The length header that leaves the gateway when sent in the destination position. */
export const GATEWAY_EXIT = -1;

/** Bytes in a length header. */
export const HEADER_SIZE = 4;
