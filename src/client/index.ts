/** The TFProtocol client library: connection sequence, commands and the gateway. */
export { TfClient } from './client';
export { type ConnectOptions, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_KEY_LENGTH, connect } from './connect';
export { TfConnectionError, TfReplyError, TfStateError } from './errors';
export { GatewayPeer, type GatewayPeerEvents, type GatewayPeerOptions, type GatewayPeerState } from './gateway-peer';
export { MessageStream } from './message-stream';
