import { canonicalJson, sha256Hex } from './canonical.js'

/** The prev_hash of the first event. */
export const GENESIS_HASH = '0'.repeat(64)

/** The part of an event that its hash covers (everything but seq and the hashes). */
export interface EventContent {
  at: string
  actor: string
  stream: string
  type: string
  key: string | null
  /** Canonical JSON text of the payload, exactly as stored. */
  payload: string
}

/**
 * hash = sha256(prev_hash + "\n" + canonical JSON of the event's content). The order of events
 * is carried by the links, not by seq, so a removed, inserted or reordered event breaks a link.
 */
export function eventHash(prevHash: string, content: EventContent): string {
  return sha256Hex(
    `${prevHash}\n${canonicalJson({
      actor: content.actor,
      at: content.at,
      key: content.key,
      payload: content.payload,
      stream: content.stream,
      type: content.type,
    })}`,
  )
}
