/**
 * What a session process needs to know, handed to it on its standard input at start:
 * the settings the table marks for sessions, plus the private key's file.
 */
import { SESSION_SETTINGS, type ServerConfig, type SessionKey } from './table';

export type SessionSettings = Pick<ServerConfig, SessionKey> & { privateKeyFile: string };

/** `hash` is the effective one (generated on first start when the setting is empty). */
export function sessionSettings(config: ServerConfig, privateKeyFile: string, hash: string): SessionSettings {
  const picked = Object.fromEntries(SESSION_SETTINGS.map((key) => [key, config[key]])) as Pick<ServerConfig, SessionKey>;
  return { ...picked, hash, privateKeyFile };
}
