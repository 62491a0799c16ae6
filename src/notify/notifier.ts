/**
 * The notifier: routes each notification to the channels that want it, keeps every channel
 * under its rate limit (chat bots allow 20 messages a minute), merges what piles up while a
 * channel is limited into one digest message (never dropping one), retries with back-off, and
 * returns a {@link DeliveryResult} per channel for the daemon to record.
 *
 * Routing: a channel takes a notification when it is enabled, its `events` (if any) include
 * the notification's kind (`*` and prefixes such as `clock-*` allowed), and its `to` (if any)
 * shares a user with the notification's recipients; the message then names (and, where the
 * platform allows, @-mentions) only those users. A notification with no recipients goes to
 * every channel whose events match (with `to` as its recipients).
 *
 * Each channel has one lane: notifications are sent one after another in order. While the
 * channel has capacity each goes out on its own; once the window is full the lane waits, and
 * then sends everything that queued meanwhile as one digest (as many as fit in one platform
 * message; the rest in the next). Every key ends up in exactly one delivery.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { describeError } from '../errors.js'
import { createSender as defaultCreateSender, type SenderFactory } from './channels/index.js'
import { senderContext, type Attempt, type DeliveryResult, type NotifyLogger, type Sender, type SenderContext } from './delivery.js'
import { assertNotification, carried, renderDigest, type Notification, type People } from './message.js'
import { channelOptions, type ChannelConfig } from './options.js'
import { SlidingWindow } from './rate-limit.js'

export interface NotifierOptions {
  /** Clock (also signs requests). @default () => new Date() */
  now?: () => Date
  /** How to wait (tests pass one that moves a manual clock). */
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  /** Messages per channel per window. @default 20 (WeCom and DingTalk bots' limit) */
  ratePerMinute?: number
  /** The window. @default 60000 */
  windowMs?: number
  /** Requests per delivery, first included. @default 4 */
  maxAttempts?: number
  /** @default 1000 */
  backoffBaseMs?: number
  /**
   * Longest wait for the channel's own rate limit before a delivery is handed back unsent
   * (`failure: 'rate-limit'`, `attempts: 0`, `retryInMs`) instead of holding the caller. The
   * daemon sets 0: what does not fit this minute goes in a later cycle. @default Infinity
   */
  maxWaitMs?: number
  /** Wait after a platform's rate-limit answer. @default 60000 */
  rateLimitWaitMs?: number
  /** A Retry-After longer than this fails the delivery instead of holding the channel. @default 600000 */
  maxRetryAfterMs?: number
  /** @default 10000 */
  timeoutMs?: number
  /** Most notifications in one digest message. @default 30 */
  maxDigestItems?: number
  /** Environment for channels' `secretEnv`. @default process.env */
  env?: Readonly<Record<string, string | undefined>>
  /** lianxin.yaml users (display names, DingTalk mobiles). */
  people?: People
  /** @default Asia/Shanghai */
  timeZone?: string
  logger?: NotifyLogger
  /** Builds a channel's sender (tests can replace it). */
  createSender?: SenderFactory
}

export interface Notifier {
  /** Ids of the enabled channels. */
  readonly channels: readonly string[]
  /**
   * Sends `notification` to every matching channel; resolves when each has delivered or failed
   * (after waiting for the rate limit and retries). Never rejects for delivery problems.
   */
  deliver(notification: Notification): Promise<DeliveryResult[]>
  /** The channels `notification` would go to, and to whom on each. */
  route(notification: Notification): Array<{ channel: string; recipients: string[] }>
  /**
   * How many messages every channel could take now without waiting on its rate limit, how long
   * until the busiest one takes another (0 when it can now), and the smallest per-window limit.
   */
  capacity(): { available: number; waitMs: number; limit: number }
  /** Resolves once every queued notification has been delivered or has failed. */
  flush(): Promise<void>
  /** Flushes, then closes the channels (SMTP connections). */
  close(): Promise<void>
}

/** Whether a channel's `events` list takes this kind. */
export function wantsKind(channel: Pick<ChannelConfig, 'events'>, kind: string): boolean {
  const events = channel.events
  if (events === undefined || events.length === 0) return true
  return events.some((e) => e === kind || e === '*' || (e.endsWith('*') && kind.startsWith(e.slice(0, -1))))
}

/** The recipients of a notification on a channel, or undefined when the channel does not take it. */
export function recipientsOn(channel: Pick<ChannelConfig, 'to'>, recipients: readonly string[]): string[] | undefined {
  const to = channel.to
  if (to === undefined || to.length === 0) return [...recipients]
  if (recipients.length === 0) return [...to]
  const hit = recipients.filter((r) => to.includes(r))
  return hit.length > 0 ? hit : undefined
}

interface Pending {
  message: Notification
  resolve: (result: DeliveryResult) => void
  promise: Promise<DeliveryResult>
}

/** The channel's window is full and the notifier may not wait that long. */
class ChannelBusy extends Error {
  constructor(readonly waitMs: number) {
    super(`the channel's rate limit is reached; it takes another message in ${Math.ceil(waitMs / 1000)} s`)
  }
}

class Lane {
  private readonly queue: Pending[] = []
  private readonly byKey = new Map<string, Promise<DeliveryResult>>()
  private running: Promise<void> | undefined

  constructor(
    readonly channel: ChannelConfig,
    readonly sender: Sender,
    private readonly limiter: SlidingWindow,
    private readonly ctx: SenderContext,
    private readonly maxDigestItems: number,
    private readonly maxWaitMs: number,
  ) {}

  capacity(): { available: number; waitMs: number; limit: number } {
    return { available: this.limiter.remaining(), waitMs: this.limiter.waitMs(), limit: this.limiter.limit }
  }

  enqueue(message: Notification): Promise<DeliveryResult> {
    const same = this.byKey.get(message.key)
    if (same !== undefined) return same
    let resolve!: (result: DeliveryResult) => void
    const promise = new Promise<DeliveryResult>((r) => (resolve = r))
    this.queue.push({ message, resolve, promise })
    this.byKey.set(message.key, promise)
    this.running ??= this.pump().finally(() => {
      this.running = undefined
    })
    return promise
  }

  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  private async waitForCapacity(): Promise<boolean> {
    let waited = false
    let stalled = 0
    for (let wait = this.limiter.waitMs(); wait > 0; wait = this.limiter.waitMs()) {
      if (wait > this.maxWaitMs) throw new ChannelBusy(wait)
      waited = true
      const before = this.ctx.now().getTime()
      await this.ctx.sleep(wait)
      stalled = this.ctx.now().getTime() === before ? stalled + 1 : 0
      if (stalled > 1000) throw new Error('notify: the clock does not move while waiting for the rate limit (pass `now` and `sleep` together)')
    }
    return waited
  }

  /** The queued notifications to send as one digest: the first, and as many more as fit. */
  private takeBatch(): Pending[] {
    const batch = this.queue.splice(0, 1)
    while (this.queue.length > 0 && batch.length < this.maxDigestItems) {
      const next = this.queue[0]!
      if (!this.sender.fits(renderDigest([...batch, next].map((p) => p.message)))) break
      batch.push(this.queue.shift()!)
    }
    return batch
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      let batch: Pending[] = []
      let result: DeliveryResult
      try {
        const limited = await this.waitForCapacity()
        batch = limited && this.queue.length > 1 ? this.takeBatch() : this.queue.splice(0, 1)
        result = await this.sender.send(this.messageOf(batch), {
          beforeAttempt: async () => {
            await this.waitForCapacity()
            this.limiter.take()
          },
          onAttempt: (attempt: Attempt) => {
            if (attempt.retry === 'rate-limit') this.limiter.pause(attempt.retryAfterMs ?? this.ctx.rateLimitWaitMs)
          },
        })
      } catch (err) {
        // Busy (not allowed to wait), a bug or a clock that does not move: fail what was taken,
        // never leave a caller waiting.
        if (batch.length === 0) batch = this.queue.splice(0, 1)
        const busy = err instanceof ChannelBusy
        result = {
          channel: this.sender.id,
          kind: this.sender.kind,
          key: this.messageOf(batch).key,
          ok: false,
          attempts: 0,
          error: busy ? err.message : describeError(err),
          failure: busy ? 'rate-limit' : 'permanent',
          ...(busy ? { retryInMs: err.waitMs } : {}),
          ...(batch.length > 1 ? { merged: batch.flatMap((p) => carried(p.message).map((m) => m.key)) } : {}),
          at: this.ctx.now().toISOString(),
        }
      }
      this.log(result, this.messageOf(batch))
      // A digest's result already lists every key it carried in `merged`.
      for (const pending of batch) {
        this.byKey.delete(pending.message.key)
        pending.resolve({ ...result, key: pending.message.key })
      }
    }
  }

  private messageOf(batch: Pending[]): Notification {
    return batch.length === 1 ? batch[0]!.message : renderDigest(batch.map((p) => p.message))
  }

  private log(result: DeliveryResult, message: Notification): void {
    const logger = this.ctx.logger
    if (logger === undefined) return
    const fields = {
      channel: result.channel,
      kind: result.kind,
      key: message.key,
      notification: message.kind,
      attempts: result.attempts,
      ...(result.merged !== undefined || message.items !== undefined ? { merged: carried(message).map((m) => m.key) } : {}),
      ...(result.code !== undefined ? { code: result.code } : {}),
    }
    if (result.ok) logger.info(fields, `notify: delivered to ${result.channel}`)
    else logger.warn({ ...fields, error: result.error, failure: result.failure }, `notify: delivery to ${result.channel} failed`)
  }
}

/**
 * A notifier over the enabled channels. Builds every sender at once, so a channel that cannot
 * work as configured (no url, missing secretEnv variable, bad options) fails here with a
 * ConfigError instead of at the first alert.
 */
export function createNotifier(channels: readonly ChannelConfig[], options: NotifierOptions = {}): Notifier {
  const ctx = senderContext({
    now: options.now,
    sleep: options.sleep ?? ((ms: number) => delay(ms)),
    random: options.random,
    maxAttempts: options.maxAttempts,
    backoffBaseMs: options.backoffBaseMs,
    rateLimitWaitMs: options.rateLimitWaitMs,
    maxRetryAfterMs: options.maxRetryAfterMs,
    timeoutMs: options.timeoutMs,
    env: options.env,
    people: options.people,
    timeZone: options.timeZone,
    logger: options.logger,
  })
  const make = options.createSender ?? defaultCreateSender
  const rate = options.ratePerMinute ?? 20
  const windowMs = options.windowMs ?? 60_000
  const maxDigestItems = options.maxDigestItems ?? 30
  const maxWaitMs = options.maxWaitMs ?? Number.POSITIVE_INFINITY
  const seen = new Set<string>()
  const lanes: Lane[] = []
  for (const channel of channels) {
    if (channel.enabled === false) continue
    if (seen.has(channel.id)) throw new TypeError(`two notify channels have the id "${channel.id}"`)
    seen.add(channel.id)
    const limiter = new SlidingWindow(channelOptions(channel).ratePerMinute ?? rate, windowMs, () => ctx.now().getTime())
    lanes.push(new Lane(channel, make(channel, ctx), limiter, ctx, maxDigestItems, maxWaitMs))
  }

  function route(notification: Notification): Array<{ lane: Lane; recipients: string[] }> {
    const out: Array<{ lane: Lane; recipients: string[] }> = []
    for (const lane of lanes) {
      // A digest goes where the notifications it carries may go.
      if (!carried(notification).some((n) => wantsKind(lane.channel, n.kind))) continue
      const recipients = recipientsOn(lane.channel, notification.recipients)
      if (recipients !== undefined) out.push({ lane, recipients })
    }
    return out
  }

  return {
    channels: lanes.map((l) => l.channel.id),
    route: (notification) => route(notification).map(({ lane, recipients }) => ({ channel: lane.channel.id, recipients })),
    async deliver(notification) {
      assertNotification(notification)
      return Promise.all(route(notification).map(({ lane, recipients }) => lane.enqueue({ ...notification, recipients })))
    },
    capacity() {
      const each = lanes.map((lane) => lane.capacity())
      return {
        available: Math.min(...each.map((c) => c.available)),
        waitMs: Math.max(0, ...each.map((c) => c.waitMs)),
        limit: Math.min(...each.map((c) => c.limit)),
      }
    },
    async flush() {
      await Promise.all(lanes.map((lane) => lane.idle()))
    },
    async close() {
      await Promise.all(lanes.map((lane) => lane.idle()))
      await Promise.all(lanes.map((lane) => lane.sender.close()))
    },
  }
}
