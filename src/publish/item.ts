/**
 * What every channel checks and derives from a {@link PublishItem}: the item is well formed and its
 * text is the text that was signed, the idempotency key, and how to name it in messages.
 */
import { sha256Hex } from '../audit/canonical.js'
import { IntegrityError, UsageError } from '../errors.js'
import type { PublishItem } from './types.js'

/** `ticket 12 v2`, for messages. */
export function describeItem(item: Pick<PublishItem, 'ticketId' | 'version'>): string {
  return `ticket ${item.ticketId} v${item.version}`
}

/**
 * The key a receiver dedupes on: `lianxin-reply-<ticket>-v<version>-<first 16 hex of the text's sha256>`.
 * The same item always gets the same key, so a resend after a crash is recognised as the same delivery.
 */
export function idempotencyKey(item: Pick<PublishItem, 'ticketId' | 'version' | 'textSha256'>): string {
  return `lianxin-reply-${item.ticketId}-v${item.version}-${item.textSha256.slice(0, 16).toLowerCase()}`
}

/**
 * Refuses an item that is malformed or whose text does not hash to `textSha256` (the hash both
 * signatures cover): publishing anything else would publish an unsigned text.
 */
export function checkItem(channel: string, item: PublishItem): void {
  const where = `${channel}: ${describeItem(item)}`
  if (!Number.isSafeInteger(item.ticketId) || item.ticketId <= 0) throw new UsageError(`${channel}: ticketId must be a positive whole number, got ${String(item.ticketId)}`)
  if (!Number.isSafeInteger(item.version) || item.version <= 0) throw new UsageError(`${channel}: version must be a positive whole number, got ${String(item.version)}`)
  if (typeof item.text !== 'string' || item.text.length === 0) throw new UsageError(`${where}: the reply text is empty`)
  if (!/^[0-9a-f]{64}$/i.test(item.textSha256)) throw new UsageError(`${where}: textSha256 must be 64 hex digits, got "${item.textSha256}"`)
  const actual = sha256Hex(item.text)
  if (actual !== item.textSha256.toLowerCase()) {
    throw new IntegrityError(`${where}: the reply text hashes to ${actual.slice(0, 16)}…, not to the signed ${item.textSha256.slice(0, 16)}…; refusing to publish a text nobody signed`, {
      details: { channel, ticketId: item.ticketId, version: item.version, expected: item.textSha256, actual },
    })
  }
}

/** The first `max` characters of a text, on one line, for messages. */
export function excerpt(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max)}…` : line
}
