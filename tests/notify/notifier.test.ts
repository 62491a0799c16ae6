import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startCaptureServers, type CaptureServers } from '../../fixtures/capture/index.js'
import { ConfigError } from '../../src/errors.js'
import type { DeliveryResult } from '../../src/notify/delivery.js'
import { createNotifier, recipientsOn, wantsKind } from '../../src/notify/notifier.js'
import type { ChannelConfig } from '../../src/notify/options.js'
import { PEOPLE, breach, fakeTime, memoryLogger } from './helpers.js'

let capture: CaptureServers
let time: ReturnType<typeof fakeTime>

beforeEach(async () => {
  time = fakeTime()
  // The capture servers run on the same fake clock, so their signature windows and per-minute
  // limits see the time the notifier sees.
  capture = await startCaptureServers({ now: time.ms })
})
afterEach(async () => {
  await capture.close()
})

type ChatKind = 'wecom' | 'dingtalk' | 'feishu' | 'webhook'

function channel(kind: ChatKind, overrides: Partial<ChannelConfig> = {}): ChannelConfig {
  const c = capture[kind]
  const secret = kind === 'wecom' ? undefined : (c as { secret?: string }).secret
  return { id: `${kind}-1`, kind, enabled: true, url: c.url, ...(secret !== undefined ? { secret } : {}), ...overrides }
}

function notifierOver(channels: ChannelConfig[], extra: Parameters<typeof createNotifier>[1] = {}) {
  return createNotifier(channels, { now: time.now, sleep: time.sleep, random: () => 0.5, people: PEOPLE, ...extra })
}

/** The ticket ids a received message shows, by platform. */
function idsIn(kind: ChatKind): number[][] {
  const texts: string[] =
    kind === 'wecom'
      ? capture.wecom.received.map((m) => m.content)
      : kind === 'dingtalk'
        ? capture.dingtalk.received.map((m) => m.text)
        : kind === 'feishu'
          ? capture.feishu.received.map((m) => m.text)
          : capture.webhook.received.map((m) => String(m.body.text))
  return texts.map((text) => [...text.matchAll(/#(\d+)/g)].map((m) => Number(m[1])))
}

describe('notifier rate limit (20 a minute per channel)', () => {
  it.each<ChatKind>(['wecom', 'dingtalk', 'feishu', 'webhook'])(
    '%s: 25 notifications → 20 sent at once, the other 5 merged into one digest after the window, none lost',
    async (kind) => {
      capture[kind].limitPerMinute(20, { lockoutMs: kind === 'dingtalk' ? 600_000 : 0 }) // the platform's own limit
      const notifier = notifierOver([channel(kind)])
      const start = time.ms()
      const notifications = Array.from({ length: 25 }, (_, i) => breach(i + 1))
      const results = (await Promise.all(notifications.map((n) => notifier.deliver(n)))).flat()

      expect(results).toHaveLength(25)
      expect(results.every((r) => r.ok && r.attempts === 1)).toBe(true)
      expect(results.slice(0, 20).every((r) => r.merged === undefined)).toBe(true)
      const mergedKeys = notifications.slice(20).map((n) => n.key)
      for (const r of results.slice(20)) expect(r.merged).toEqual(mergedKeys)
      expect(results.map((r) => r.key)).toEqual(notifications.map((n) => n.key))

      // the platform saw 21 messages and never had to refuse one
      const log = capture[kind].log
      expect(log).toHaveLength(21)
      expect(log.every((l) => l.outcome === 'accepted')).toBe(true)
      expect(log.slice(0, 20).every((l) => l.at === start)).toBe(true)
      expect(log[20]!.at - start).toBeGreaterThanOrEqual(60_000)

      // every ticket appears in exactly one delivered message
      const shown = idsIn(kind)
      expect(shown).toHaveLength(21)
      expect(shown.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => [i + 1]))
      expect(shown[20]).toEqual([21, 22, 23, 24, 25])
      expect(shown.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
    },
  )

  it('webhook: the digest carries every key and uses a stable digest key as Idempotency-Key', async () => {
    const notifier = notifierOver([channel('webhook')], { ratePerMinute: 2 })
    await Promise.all([1, 2, 3, 4, 5].map((id) => notifier.deliver(breach(id))))
    const received = capture.webhook.received
    expect(received.map((m) => m.key)).toEqual(['clock:1:reply:breach', 'clock:2:reply:breach', expect.stringMatching(/^digest:[0-9a-f]{16}$/)])
    const items = received[2]!.body.items as Array<{ key: string }>
    expect(items.map((i) => i.key)).toEqual(['clock:3:reply:breach', 'clock:4:reply:breach', 'clock:5:reply:breach'])
  })

  it('a digest holds only what fits in one WeCom message; the rest follow in the next window', async () => {
    const notifier = notifierOver([channel('wecom')], { ratePerMinute: 1 })
    const many = Array.from({ length: 40 }, (_, i) => breach(i + 1))
    const results = (await Promise.all(many.map((n) => notifier.deliver(n)))).flat()
    expect(results.every((r) => r.ok)).toBe(true)
    for (const m of capture.wecom.received) {
      expect(Buffer.byteLength(m.content)).toBeLessThanOrEqual(4096)
      expect(m.content).not.toContain('已截断')
    }
    expect(capture.wecom.received.length).toBeGreaterThan(2)
    expect(idsIn('wecom').flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    const groups = new Map<string, string[]>()
    for (const r of results) groups.set(JSON.stringify(r.merged ?? [r.key]), r.merged ?? [r.key])
    expect([...groups.values()].flat().sort()).toEqual(many.map((n) => n.key).sort())
  })

  it('told not to wait (maxWaitMs 0), hands back what its window cannot take, unsent, with when to retry', async () => {
    const notifier = notifierOver([channel('wecom')], { maxWaitMs: 0 })
    expect(notifier.capacity()).toEqual({ available: 20, waitMs: 0, limit: 20 })
    const results = (await Promise.all(Array.from({ length: 23 }, (_, i) => notifier.deliver(breach(i + 1))))).flat()
    expect(time.sleeps).toEqual([])
    expect(results.slice(0, 20).every((r) => r.ok)).toBe(true)
    for (const r of results.slice(20)) {
      expect(r).toMatchObject({ ok: false, attempts: 0, failure: 'rate-limit', retryInMs: 60_000 })
      expect(r.error).toMatch(/rate limit.*60 s/)
    }
    expect(capture.wecom.received).toHaveLength(20)
    expect(notifier.capacity()).toEqual({ available: 0, waitMs: 60_000, limit: 20 })
    time.advance(60_000)
    expect(notifier.capacity()).toEqual({ available: 20, waitMs: 0, limit: 20 })
  })

  it("a channel's own ratePerMinute option wins over the bots' 20", async () => {
    const notifier = notifierOver([channel('webhook', { options: { ratePerMinute: 60 } })], { maxWaitMs: 0 })
    expect(notifier.capacity()).toEqual({ available: 60, waitMs: 0, limit: 60 })
    const results = (await Promise.all(Array.from({ length: 25 }, (_, i) => notifier.deliver(breach(i + 1))))).flat()
    expect(results.every((r) => r.ok && r.merged === undefined)).toBe(true)
    expect(capture.webhook.received).toHaveLength(25)
  })

  it('after a platform rate-limit answer the channel waits, then the message goes through', async () => {
    capture.dingtalk.rateLimitNext(1)
    const notifier = notifierOver([channel('dingtalk')])
    const [result] = await notifier.deliver(breach(1))
    expect(result).toMatchObject({ ok: true, attempts: 2 })
    expect(capture.dingtalk.log.map((l) => l.outcome)).toEqual(['rate-limited', 'accepted'])
    expect(capture.dingtalk.log[1]!.at - capture.dingtalk.log[0]!.at).toBeGreaterThanOrEqual(60_000)
  })

  it('while the platform keeps refusing, what queues up is merged and sent once it lets go', async () => {
    capture.dingtalk.rateLimitNext(4) // e.g. another system shares the bot and used up its minute
    const notifier = notifierOver([channel('dingtalk')], { maxAttempts: 4 })
    const results = (await Promise.all([1, 2, 3, 4, 5].map((id) => notifier.deliver(breach(id))))).flat()
    expect(results[0]).toMatchObject({ ok: false, attempts: 4, code: 130101, failure: 'rate-limit' })
    const rest = ['clock:2:reply:breach', 'clock:3:reply:breach', 'clock:4:reply:breach', 'clock:5:reply:breach']
    for (const r of results.slice(1)) expect(r).toMatchObject({ ok: true, attempts: 1, merged: rest })
    expect(idsIn('dingtalk')).toEqual([[2, 3, 4, 5]])
  })
})

describe('notifier routing', () => {
  it('sends only to channels whose events and to match, naming only their users', async () => {
    const leaders = channel('dingtalk', { id: 'leaders', to: ['wangqu'], events: ['clock-breach', 'clock-leader'] })
    const handlers = channel('wecom', { id: 'handlers', to: ['lina'], events: ['clock-*'] })
    const everything = channel('webhook', { id: 'archive' })
    const off = channel('feishu', { id: 'off', enabled: false })
    const notifier = notifierOver([leaders, handlers, everything, off])
    expect(notifier.channels).toEqual(['leaders', 'handlers', 'archive'])

    expect(notifier.route(breach(1))).toEqual([
      { channel: 'leaders', recipients: ['wangqu'] },
      { channel: 'archive', recipients: ['liuju', 'wangqu'] },
    ])
    const results = await notifier.deliver(breach(1))
    expect(results.map((r) => [r.channel, r.ok])).toEqual([
      ['leaders', true],
      ['archive', true],
    ])
    expect(capture.dingtalk.received[0]!.atMobiles).toEqual(['13800000005'])
    expect(capture.dingtalk.received[0]!.text).toContain('致：王副区长')
    expect(capture.dingtalk.received[0]!.text).not.toContain('刘局长')

    const warning = breach(2, { kind: 'clock-warning', key: 'clock:2:reply:warning', recipients: ['lina'] })
    expect(notifier.route(warning).map((r) => r.channel)).toEqual(['handlers', 'archive'])
    const published = breach(3, { kind: 'published', key: 'reply:3:published', recipients: [] })
    expect(notifier.route(published)).toEqual([{ channel: 'archive', recipients: [] }])
  })

  it('wantsKind and recipientsOn', () => {
    expect(wantsKind({}, 'digest')).toBe(true)
    expect(wantsKind({ events: ['clock-*'] }, 'clock-leader')).toBe(true)
    expect(wantsKind({ events: ['clock-*'] }, 'published')).toBe(false)
    expect(wantsKind({ events: ['*'] }, 'published')).toBe(true)
    expect(recipientsOn({ to: ['liuju'] }, ['lina'])).toBeUndefined()
    expect(recipientsOn({ to: ['liuju'] }, [])).toEqual(['liuju'])
    expect(recipientsOn({}, ['lina'])).toEqual(['lina'])
  })

  it('the same key queued twice is delivered once', async () => {
    const notifier = notifierOver([channel('wecom')], { ratePerMinute: 1 })
    const results = await Promise.all([notifier.deliver(breach(1)), notifier.deliver(breach(2)), notifier.deliver(breach(2))])
    expect(results[1]).toEqual(results[2])
    expect(idsIn('wecom').flat()).toEqual([1, 2])
  })

  it('one failing channel does not hold up another; failures are results, not exceptions', async () => {
    capture.wecom.failNext(10)
    const notifier = notifierOver([channel('wecom'), channel('feishu')], { maxAttempts: 2 })
    const results: DeliveryResult[] = await notifier.deliver(breach(1))
    expect(results.map((r) => [r.channel, r.ok, r.attempts, r.failure])).toEqual([
      ['wecom-1', false, 2, 'transient'],
      ['feishu-1', true, 1, undefined],
    ])
  })

  it('flush waits for everything queued; close closes the channels', async () => {
    const notifier = notifierOver([channel('wecom')], { ratePerMinute: 1 })
    const pending = [1, 2, 3].map((id) => notifier.deliver(breach(id)))
    await notifier.flush()
    expect(capture.wecom.received).toHaveLength(2) // one, then a digest of two
    await Promise.all(pending)
    await notifier.close()
  })

  it('a channel that cannot work as configured fails at start with a ConfigError', () => {
    expect(() => notifierOver([channel('feishu', { secret: undefined, secretEnv: 'LIANXIN_FEISHU_SECRET' })], { env: {} })).toThrow(ConfigError)
  })

  it('refuses a malformed notification (a bug in the caller)', async () => {
    const notifier = notifierOver([channel('wecom')])
    await expect(notifier.deliver({ ...breach(1), urgency: '很急' as '特急' })).rejects.toThrow(/urgency must be one of/)
  })

  it('logs deliveries and failures without secrets or webhook keys', async () => {
    const logger = memoryLogger()
    capture.dingtalk.rateLimitNext(1)
    const notifier = notifierOver([channel('dingtalk'), channel('wecom', { url: capture.wecom.url.replace(/key=.*/, 'key=not-the-key') })], { logger })
    await notifier.deliver(breach(1))
    const text = JSON.stringify(logger.lines)
    expect(logger.lines.filter((l) => l.level === 'info')).toHaveLength(1)
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1)
    expect(text).toContain('clock:1:reply:breach')
    for (const secret of [capture.dingtalk.secret!, capture.dingtalk.token, 'not-the-key', capture.wecom.key]) expect(text).not.toContain(secret)
  })
})

describe('a channel that takes some kinds only', () => {
  it('takes a digest carrying those kinds (the daemon sends warnings as digests)', async () => {
    const notifier = notifierOver([channel('webhook', { events: ['clock-breach'] })])
    const { renderDigest } = await import('../../src/notify/message.js')
    const digest = renderDigest([breach(1), breach(2), breach(3)])
    const [result] = await notifier.deliver(digest)
    expect(result).toMatchObject({ ok: true })
    expect(capture.webhook.received).toHaveLength(1)
    expect(notifier.route({ ...digest, items: [{ ...breach(4), kind: 'urgent-post' }] })).toEqual([])
    await notifier.close()
  })
})
