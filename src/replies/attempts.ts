/**
 * Publication attempts of a reply version, read from the ticket's events: each attempt is a
 * `reply.publish-started` intent (attempt 1, 2, … per version and channel), settled by the
 * workflow's `published`, by `reply.exported`, or by `reply.publish-refused` when the channel
 * promised that nothing was delivered. An attempt that is none of these is in doubt: the citizen
 * may have the reply.
 */
import type { StoredEvent } from '../store/events.js'

/** One attempt to publish a version through a channel. */
export interface PublishAttempt {
  readonly channel: string
  readonly attempt: number
  readonly startedAt: string
  /** When the channel refused it, with nothing delivered. */
  readonly refused?: { readonly code: string; readonly reason: string; readonly at: string }
}

interface AttemptPayload {
  version?: unknown
  channel?: unknown
  attempt?: unknown
  code?: unknown
  reason?: unknown
}

/** The attempts to publish `version`, oldest first. */
export function publishAttempts(events: readonly StoredEvent[], version: number): PublishAttempt[] {
  const of = (e: StoredEvent) => e.payload as AttemptPayload
  const key = (p: AttemptPayload) => `${String(p.channel)}#${typeof p.attempt === 'number' ? p.attempt : 1}`
  const refusals = new Map(events.filter((e) => e.type === 'reply.publish-refused' && of(e).version === version).map((e) => [key(of(e)), e]))
  return events
    .filter((e) => e.type === 'reply.publish-started' && of(e).version === version)
    .map((e) => {
      const p = of(e)
      const refused = refusals.get(key(p))
      const attempt: PublishAttempt = { channel: String(p.channel), attempt: typeof p.attempt === 'number' ? p.attempt : 1, startedAt: e.at }
      return refused ? { ...attempt, refused: { code: String(of(refused).code), reason: String(of(refused).reason), at: refused.at } } : attempt
    })
}

/** The next attempt's number through `channel`: one past the refused ones (an open attempt is resumed, not renumbered). */
export function nextAttempt(attempts: readonly PublishAttempt[], channel: string): number {
  return attempts.filter((a) => a.channel === channel && a.refused !== undefined).length + 1
}

/** The intent key of an attempt; the first keeps the key lianxin always used. */
export function intentKey(ticketId: number, version: number, channel: string, attempt: number): string {
  return `reply.publish-started:${ticketId}:v${version}:${channel}${attempt > 1 ? `:a${attempt}` : ''}`
}
