// Keyring operations across the pool (Consul's `keyring -install|-use|-remove|-list`, Serf's
// key-manager queries): the member that is asked applies the operation to itself and sends it
// over TCP to every alive member, then tallies the answers per key. A rotation is three such
// operations: install the new key, use it, remove the old one.

import { fanOut } from './exchange.js';
import { decodeGossipKey, type Encryption } from './keyring.js';
import type { KeyringOp, StreamMessage } from './stream.js';

export interface KeyringResult {
  /** Members asked (this one included). */
  numNodes: number;
  /** Each key and how many members hold it. */
  keys: Record<string, number>;
  /** Each primary key and how many members use it. */
  primaryKeys: Record<string, number>;
  /** Member name → error, for members that failed or refused. */
  messages: Record<string, string>;
}

/** Applies one operation to this member's keyring; the answer carries the keys after it, primary first. */
export function answerKeyring(encryption: Encryption, request: { op: KeyringOp; key: string }): StreamMessage {
  const { keyring } = encryption;
  if (keyring === undefined) return { type: 'keyringReply', error: 'encryption is not enabled on this agent (no keyring)', keys: [] };
  try {
    if (request.op !== 'list') {
      const key = decodeGossipKey(request.key);
      if (request.op === 'install') keyring.install(key);
      else if (request.op === 'use') keyring.use(key);
      else keyring.remove(key);
    }
    return { type: 'keyringReply', error: '', keys: keyring.list() };
  } catch (error) {
    return { type: 'keyringReply', error: (error as Error).message, keys: keyring.list() };
  }
}

export async function fanOutKeyring(
  encryption: Encryption,
  selfName: string,
  op: KeyringOp,
  key: string,
  peers: readonly { name: string; address: string }[],
  send: (address: string, request: StreamMessage) => Promise<StreamMessage>,
): Promise<KeyringResult> {
  const result: KeyringResult = { numNodes: peers.length + 1, keys: {}, primaryKeys: {}, messages: {} };
  const tally = (name: string, reply: StreamMessage): void => {
    if (reply.type !== 'keyringReply') {
      result.messages[name] = `unexpected answer ${reply.type}`;
      return;
    }
    if (reply.error !== '') result.messages[name] = reply.error;
    reply.keys.forEach((k, i) => {
      result.keys[k] = (result.keys[k] ?? 0) + 1;
      if (i === 0) result.primaryKeys[k] = (result.primaryKeys[k] ?? 0) + 1;
    });
  };
  tally(selfName, answerKeyring(encryption, { op, key }));
  // Refused here (a bad key, encryption off): the others would refuse it too.
  if (result.messages[selfName] !== undefined) return result;
  await fanOut(peers, async (peer) => {
    try {
      tally(peer.name, await send(peer.address, { type: 'keyring', op, key }));
    } catch (error) {
      result.messages[peer.name] = (error as Error).message;
    }
  });
  return result;
}
