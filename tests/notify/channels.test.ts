import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startCaptureServers, startFeishuCapture, startWebhookCapture, type CaptureServers, type HttpCapture } from '../../fixtures/capture/index.js'
import { ConfigError } from '../../src/errors.js'
import { createSender } from '../../src/notify/channels/index.js'
import { signDingtalk } from '../../src/notify/channels/dingtalk.js'
import { signFeishu } from '../../src/notify/channels/feishu.js'
import type { SenderContext } from '../../src/notify/delivery.js'
import type { ChannelConfig } from '../../src/notify/options.js'
import { PEOPLE, breach } from './helpers.js'

let capture: CaptureServers
beforeAll(async () => {
  capture = await startCaptureServers()
})
afterAll(async () => {
  await capture.close()
})
beforeEach(() => capture.reset())

type ChatKind = 'wecom' | 'dingtalk' | 'feishu' | 'webhook'

/** A channel pointing at the capture server of `kind`, with the right credentials. */
function channelFor(kind: ChatKind, overrides: Partial<ChannelConfig> = {}): ChannelConfig {
  switch (kind) {
    case 'wecom':
      return { id: 'wecom-bureau', kind, enabled: true, url: capture.wecom.url, ...overrides }
    case 'dingtalk':
      return { id: 'ding-leaders', kind, enabled: true, url: capture.dingtalk.url, secret: capture.dingtalk.secret, ...overrides }
    case 'feishu':
      return { id: 'feishu-bureau', kind, enabled: true, url: capture.feishu.url, secret: capture.feishu.secret, ...overrides }
    case 'webhook':
      return { id: 'ops-hook', kind, enabled: true, url: capture.webhook.url, secret: capture.webhook.secret, ...overrides }
  }
}

function captureOf(kind: ChatKind): HttpCapture<{ at: number }> {
  return capture[kind]
}

/** Sender context that records waits instead of waiting. */
function quick(overrides: Partial<SenderContext> = {}) {
  const sleeps: number[] = []
  const ctx: Partial<SenderContext> = { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, people: PEOPLE, maxAttempts: 4, ...overrides }
  return { ctx, sleeps }
}

/** The text a group member would read. */
function shown(kind: ChatKind): string {
  switch (kind) {
    case 'wecom':
      return capture.wecom.received[0]?.content ?? ''
    case 'dingtalk':
      return capture.dingtalk.received[0]?.text ?? ''
    case 'feishu': {
      const message = capture.feishu.received[0]
      return message !== undefined ? `${message.header}\n${message.text}` : ''
    }
    case 'webhook':
      return String(capture.webhook.received[0]?.body.text ?? '')
  }
}

const KINDS: ChatKind[] = ['wecom', 'dingtalk', 'feishu', 'webhook']

describe.each(KINDS)('%s channel against its capture server', (kind) => {
  it('delivers a message the platform accepts (format and signature checked by the server)', async () => {
    const { ctx } = quick()
    const result = await createSender(channelFor(kind), ctx).send(breach(12))
    expect(result).toMatchObject({ channel: channelFor(kind).id, kind, key: 'clock:12:reply:breach', ok: true, attempts: 1 })
    expect(Date.parse(result.at)).not.toBeNaN()
    expect(captureOf(kind).received).toHaveLength(1)
    expect(shown(kind)).toContain('宝融福园12号楼供暖不热')
    expect(shown(kind)).toContain('一旬答复已超时 2 天')
    expect(shown(kind)).toContain('lianxin ticket show 12')
  })

  it('retries the platform\'s rate-limit answer, waiting a full window, then succeeds', async () => {
    const { ctx, sleeps } = quick()
    captureOf(kind).rateLimitNext(2)
    const result = await createSender(channelFor(kind), ctx).send(breach(13))
    expect(result).toMatchObject({ ok: true, attempts: 3 })
    expect(captureOf(kind).log.map((l) => l.outcome)).toEqual(['rate-limited', 'rate-limited', 'accepted'])
    // webhook: Retry-After: 1; the bots: at least the 60 s window
    for (const wait of sleeps) expect(wait).toBeGreaterThanOrEqual(kind === 'webhook' ? 1000 : 60_000)
    expect(captureOf(kind).received).toHaveLength(1)
  })

  it('retries HTTP 500 with exponential back-off, then succeeds', async () => {
    const { ctx, sleeps } = quick({ backoffBaseMs: 100 })
    captureOf(kind).failNext(2)
    const result = await createSender(channelFor(kind), ctx).send(breach(14))
    expect(result).toMatchObject({ ok: true, attempts: 3, status: 200 })
    expect(sleeps).toEqual([100, 200])
  })

  it('reports a failure that outlasts the retries instead of throwing', async () => {
    const { ctx } = quick({ maxAttempts: 3 })
    captureOf(kind).failNext(5, 503)
    const result = await createSender(channelFor(kind), ctx).send(breach(15))
    expect(result).toMatchObject({ ok: false, attempts: 3, status: 503, failure: 'transient' })
    expect(result.error).toMatch(/503/)
  })
})

describe('credentials and signatures', () => {
  it('WeCom: a wrong key is refused at once with errcode 93000, and the key is not in the error', async () => {
    const url = capture.wecom.url.replace(/key=[^&]+/, 'key=wrong-key-123456')
    const result = await createSender(channelFor('wecom', { url }), quick().ctx).send(breach(1))
    expect(result).toMatchObject({ ok: false, attempts: 1, code: 93000, failure: 'permanent' })
    expect(result.error).toMatch(/WeCom errcode 93000: invalid webhook url.*key is wrong/)
    expect(result.error).not.toContain('wrong-key-123456')
  })

  it('WeCom: the key may come from secretEnv instead of the URL', async () => {
    const url = capture.wecom.url.replace(/\?key=.*/, '')
    const sender = createSender(channelFor('wecom', { url, secretEnv: 'LIANXIN_WECOM_KEY' }), quick({ env: { LIANXIN_WECOM_KEY: capture.wecom.key } }).ctx)
    expect((await sender.send(breach(2))).ok).toBe(true)
  })

  it('DingTalk: signs timestamp and sign in the query string the way DingTalk checks them', async () => {
    await createSender(channelFor('dingtalk'), quick().ctx).send(breach(3))
    const entry = capture.dingtalk.log[0]!
    expect(entry.outcome).toBe('accepted')
    expect(entry.query.timestamp).toMatch(/^\d{13}$/)
    expect(entry.query.sign).toBe(signDingtalk(entry.query.timestamp!, capture.dingtalk.secret!))
    expect(capture.dingtalk.received[0]).toMatchObject({ msgtype: 'markdown', title: '【特急】超时督办：一旬答复已超时 2 天', atMobiles: ['13800000004', '13800000005'] })
  })

  it('DingTalk: a wrong secret gets 310000 "sign not match", not retried, secret not in the error', async () => {
    const result = await createSender(channelFor('dingtalk', { secret: 'SECwrongwrongwrong' }), quick().ctx).send(breach(4))
    expect(result).toMatchObject({ ok: false, attempts: 1, code: 310000, failure: 'permanent' })
    expect(result.error).toMatch(/sign not match.*check the channel's secret/)
    expect(result.error).not.toContain('SECwrongwrongwrong')
  })

  it('DingTalk: a timestamp more than an hour off gets 310000 "invalid timestamp"', async () => {
    const twoHoursAgo = () => new Date(Date.now() - 2 * 3_600_000)
    const result = await createSender(channelFor('dingtalk'), quick({ now: twoHoursAgo }).ctx).send(breach(5))
    expect(result).toMatchObject({ ok: false, attempts: 1, code: 310000 })
    expect(result.error).toMatch(/invalid timestamp/)
  })

  it('Feishu: signs timestamp (seconds) and sign in the body the way Feishu checks them', async () => {
    await createSender(channelFor('feishu'), quick().ctx).send(breach(6))
    const body = capture.feishu.received[0]!.body
    expect(body.timestamp).toMatch(/^\d{10}$/)
    expect(body.sign).toBe(signFeishu(body.timestamp as string, capture.feishu.secret!))
    expect(body.msg_type).toBe('interactive')
    expect(capture.feishu.received[0]!.header).toBe('【特急】超时督办：一旬答复已超时 2 天')
  })

  it('Feishu: a wrong secret or an old timestamp gets 19021, not retried', async () => {
    const wrong = await createSender(channelFor('feishu', { secret: 'not-the-secret' }), quick().ctx).send(breach(7))
    expect(wrong).toMatchObject({ ok: false, attempts: 1, code: 19021, failure: 'permanent' })
    expect(wrong.error).toMatch(/sign match fail/)
    const old = await createSender(channelFor('feishu'), quick({ now: () => new Date(Date.now() - 3_700_000) }).ctx).send(breach(7))
    expect(old).toMatchObject({ ok: false, attempts: 1, code: 19021 })
  })

  it('Feishu: the old {StatusCode: 0} answer counts as success', async () => {
    const legacy = await startFeishuCapture({ secret: 'legacy-secret', legacyResponse: true })
    try {
      const result = await createSender(channelFor('feishu', { url: legacy.url, secret: 'legacy-secret' }), quick().ctx).send(breach(8))
      expect(result).toMatchObject({ ok: true, code: 0 })
    } finally {
      await legacy.close()
    }
  })

  it('webhook: signs sha256=HMAC(secret, timestamp.body) and sends the notification key as Idempotency-Key', async () => {
    await createSender(channelFor('webhook'), quick().ctx).send(breach(9))
    const [message] = capture.webhook.received
    expect(message!.key).toBe('clock:9:reply:breach')
    const raw = capture.webhook.log[0]!.raw
    expect(message!.signature).toBe(`sha256=${createHmac('sha256', capture.webhook.secret!).update(`${message!.timestamp}.${raw}`).digest('hex')}`)
    expect(message!.body).toMatchObject({ type: 'lianxin.notification', key: 'clock:9:reply:breach', urgency: '特急' })
  })

  it('webhook: a wrong secret gets 401 and is not retried; a repeated key is acknowledged as a duplicate', async () => {
    const wrong = await createSender(channelFor('webhook', { secret: 'nope-nope' }), quick().ctx).send(breach(10))
    expect(wrong).toMatchObject({ ok: false, attempts: 1, status: 401, failure: 'permanent' })
    expect(wrong.error).toMatch(/HTTP 401: bad signature/)
    const sender = createSender(channelFor('webhook'), quick().ctx)
    expect((await sender.send(breach(10))).ok).toBe(true)
    expect((await sender.send(breach(10))).ok).toBe(true)
    expect(capture.webhook.received).toHaveLength(1)
    expect(capture.webhook.duplicates).toHaveLength(1)
  })

  it('does not sit on a Retry-After longer than it is willing to wait', async () => {
    const slow = await startWebhookCapture({ secret: 'slow-secret', retryAfterSeconds: 3600 })
    try {
      slow.rateLimitNext(1)
      const result = await createSender(channelFor('webhook', { url: slow.url, secret: 'slow-secret' }), quick().ctx).send(breach(16))
      expect(result).toMatchObject({ ok: false, attempts: 1, status: 429, failure: 'rate-limit' })
      expect(result.error).toMatch(/asked to wait 3600 s/)
    } finally {
      await slow.close()
    }
  })

  it('secretEnv that is not set is a ConfigError naming the variable', () => {
    const channel = channelFor('dingtalk', { secret: undefined, secretEnv: 'LIANXIN_DING_SECRET' })
    expect(() => createSender(channel, quick({ env: {} }).ctx)).toThrow(ConfigError)
    expect(() => createSender(channel, quick({ env: {} }).ctx)).toThrow(/environment variable LIANXIN_DING_SECRET, which is not set/)
    const sender = createSender(channel, quick({ env: { LIANXIN_DING_SECRET: capture.dingtalk.secret } }).ctx)
    expect(sender.id).toBe('ding-leaders')
  })

  it('invalid channel options are a ConfigError naming the key', () => {
    expect(() => createSender(channelFor('wecom', { options: { mentionz: {} } }), quick().ctx)).toThrow(/notify channel "wecom-bureau": options/)
  })

  it('a channel that cannot be reached is a transient failure with nothing secret in the error', async () => {
    const url = 'http://127.0.0.1:9/cgi-bin/webhook/send?key=very-secret-key'
    const result = await createSender(channelFor('wecom', { url }), quick({ maxAttempts: 2, timeoutMs: 2000 }).ctx).send(breach(11))
    expect(result).toMatchObject({ ok: false, attempts: 2, failure: 'transient' })
    expect(result.error).toMatch(/ECONNREFUSED/)
    expect(result.error).not.toContain('very-secret-key')
  })
})

describe('the capture servers check the format as the platforms do', () => {
  const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> }
  }

  it('WeCom: unknown msgtype 40008, empty content 44004, content over 4096 bytes 40058', async () => {
    expect((await post(capture.wecom.url, { msgtype: 'markdownx', markdownx: { content: 'x' } })).body.errcode).toBe(40008)
    expect((await post(capture.wecom.url, { msgtype: 'markdown', markdown: { content: ' ' } })).body.errcode).toBe(44004)
    expect((await post(capture.wecom.url, { msgtype: 'markdown', markdown: { content: '超'.repeat(1366) } })).body.errcode).toBe(40058)
    expect((await post(capture.wecom.url, { msgtype: 'markdown', markdown: { content: '超'.repeat(1365) } })).body.errcode).toBe(0)
  })

  it('DingTalk: unsigned request 310000, markdown without title 400402, body over 20000 bytes 460101', async () => {
    const signed = () => {
      const ts = Date.now()
      return `${capture.dingtalk.url}&timestamp=${ts}&sign=${encodeURIComponent(signDingtalk(ts, capture.dingtalk.secret!))}`
    }
    expect((await post(capture.dingtalk.url, { msgtype: 'markdown', markdown: { title: 't', text: 'x' } })).body.errcode).toBe(310000)
    expect((await post(signed(), { msgtype: 'markdown', markdown: { text: 'x' } })).body.errcode).toBe(400402)
    expect((await post(signed(), { msgtype: 'markdown', markdown: { title: 't', text: 'x'.repeat(20_001) } })).body.errcode).toBe(460101)
    expect((await post(signed(), { msgtype: 'markdown', markdown: { title: 't', text: 'ok' } })).body.errcode).toBe(0)
  })

  it('Feishu: missing msg_type 19002, card without elements 9499, not JSON 9499', async () => {
    const ts = String(Math.floor(Date.now() / 1000))
    const sig = { timestamp: ts, sign: signFeishu(ts, capture.feishu.secret!) }
    expect((await post(capture.feishu.url, { ...sig, content: { text: 'x' } })).body.code).toBe(19002)
    expect(await post(capture.feishu.url, { ...sig, msg_type: 'interactive', card: { elements: [] } })).toMatchObject({ status: 400, body: { code: 9499 } })
    expect((await post(capture.feishu.url, '{not json')).body.code).toBe(9499)
    expect((await post(capture.feishu.url, { ...sig, msg_type: 'text', content: { text: '平房区' } })).body.code).toBe(0)
  })

  it('webhook: no Idempotency-Key 400, unsigned 401', async () => {
    expect((await post(capture.webhook.url, { type: 'lianxin.notification' })).status).toBe(401)
    const body = JSON.stringify({ type: 'lianxin.notification', version: 1 })
    const ts = String(Math.floor(Date.now() / 1000))
    const signature = `sha256=${createHmac('sha256', capture.webhook.secret!).update(`${ts}.${body}`).digest('hex')}`
    expect((await post(capture.webhook.url, body, { 'x-lianxin-timestamp': ts, 'x-lianxin-signature': signature })).status).toBe(400)
  })

  it('counts messages per minute and answers the rate-limit code beyond the limit', async () => {
    capture.wecom.limitPerMinute(2)
    const codes = []
    for (let i = 0; i < 3; i++) codes.push((await post(capture.wecom.url, { msgtype: 'text', text: { content: `第${i}条` } })).body.errcode)
    expect(codes).toEqual([0, 0, 45009])
  })
})
