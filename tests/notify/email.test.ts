import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startSmtpCapture, type SmtpCapture } from '../../fixtures/capture/index.js'
import { createEmailSender } from '../../src/notify/channels/email.js'
import type { SenderContext } from '../../src/notify/delivery.js'
import { createNotifier } from '../../src/notify/notifier.js'
import type { ChannelConfig } from '../../src/notify/options.js'
import { PEOPLE, breach, fakeTime } from './helpers.js'

let smtp: SmtpCapture
beforeAll(async () => {
  smtp = await startSmtpCapture({ user: 'bureau@pingfang.example', pass: 'p@ss word' })
})
afterAll(async () => {
  await smtp.close()
})
beforeEach(() => smtp.reset())

const EMAILS = { liuju: 'liu.ju@pingfang.example', wangqu: 'wang.qu@pingfang.example', lina: 'li.na@xingjian.example' }

function emailChannel(overrides: Partial<ChannelConfig> = {}): ChannelConfig {
  return { id: 'mail-leaders', kind: 'email', enabled: true, url: smtp.url, to: ['liuju', 'wangqu'], options: { emails: EMAILS }, ...overrides }
}

const ctx = (overrides: Partial<SenderContext> = {}): Partial<SenderContext> => ({ sleep: async () => {}, random: () => 0.5, people: PEOPLE, timeoutMs: 5000, ...overrides })

describe('email channel through the SMTP capture', () => {
  it('sends subject, text and HTML to the recipients\' addresses', async () => {
    const sender = createEmailSender(emailChannel(), ctx())
    try {
      const result = await sender.send(breach(21))
      expect(result).toMatchObject({ channel: 'mail-leaders', kind: 'email', key: 'clock:21:reply:breach', ok: true, attempts: 1, status: 250 })
      expect(smtp.received).toHaveLength(1)
      const [mail] = smtp.received
      expect(mail!.user).toBe('bureau@pingfang.example')
      expect(mail!.envelope).toEqual({ from: 'bureau@pingfang.example', to: ['liu.ju@pingfang.example', 'wang.qu@pingfang.example'] })
      expect(mail!.subject).toBe('[lianxin]【特急】超时督办 #21：一旬答复已超时 2 天')
      expect(mail!.headers['x-lianxin-key']).toBe('clock:21:reply:breach')
      expect(mail!.text).toContain('工单 #21 宝融福园21号楼供暖不热')
      expect(mail!.text).toContain('致：刘局长、王副区长')
      expect(mail!.html).toContain('<code>lianxin ticket show 21</code>')
    } finally {
      await sender.close()
    }
  })

  it('skips recipients without an address and says so; fails when nobody has one', async () => {
    const sender = createEmailSender(emailChannel({ to: undefined, options: { emails: { liuju: EMAILS.liuju } } }), ctx())
    try {
      const some = await sender.send(breach(22, { recipients: ['liuju', 'chenqiang'] }))
      expect(some).toMatchObject({ ok: true, skipped: ['chenqiang'] })
      expect(smtp.received[0]!.envelope.to).toEqual(['liu.ju@pingfang.example'])
      const none = await sender.send(breach(23, { recipients: ['chenqiang'] }))
      expect(none).toMatchObject({ ok: false, attempts: 1, failure: 'permanent', skipped: ['chenqiang'] })
      expect(none.error).toMatch(/no email address for chenqiang: add them under options.emails/)
    } finally {
      await sender.close()
    }
  })

  it('retries a temporary 451 and succeeds; a 550 is permanent', async () => {
    const sender = createEmailSender(emailChannel(), ctx())
    try {
      smtp.failNext(1, 451)
      expect(await sender.send(breach(24))).toMatchObject({ ok: true, attempts: 2 })
      smtp.failNext(1, 550)
      const refused = await sender.send(breach(25))
      expect(refused).toMatchObject({ ok: false, attempts: 1, status: 550, failure: 'permanent' })
    } finally {
      await sender.close()
    }
  })

  it('a wrong password is refused at once, and the password is not in the error', async () => {
    const url = smtp.url.replace(/:[^:@/]+@/, ':wrong-password@')
    const sender = createEmailSender(emailChannel({ url }), ctx())
    try {
      const result = await sender.send(breach(26))
      expect(result).toMatchObject({ ok: false, attempts: 1, code: 'EAUTH', failure: 'permanent' })
      expect(result.error).not.toContain('wrong-password')
    } finally {
      await sender.close()
    }
  })

  it('takes the SMTP password from secretEnv when the URL has none', async () => {
    const url = smtp.url.replace(/:[^:@/]+@/, '@')
    const sender = createEmailSender(emailChannel({ url, secretEnv: 'LIANXIN_SMTP_PASSWORD' }), ctx({ env: { LIANXIN_SMTP_PASSWORD: 'p@ss word' } }))
    try {
      expect((await sender.send(breach(27))).ok).toBe(true)
    } finally {
      await sender.close()
    }
  })

  it('works through the notifier, merged digests included', async () => {
    const time = fakeTime()
    const notifier = createNotifier([emailChannel()], { now: time.now, sleep: time.sleep, ratePerMinute: 1, people: PEOPLE })
    const results = (await Promise.all([31, 32, 33].map((id) => notifier.deliver(breach(id))))).flat()
    await notifier.close()
    expect(results.every((r) => r.ok)).toBe(true)
    expect(smtp.received.map((m) => m.subject)).toEqual(['[lianxin]【特急】超时督办 #31：一旬答复已超时 2 天', '[lianxin]【特急】提醒汇总：2 条提醒'])
    expect(smtp.received[1]!.text).toContain('#32 宝融福园32号楼供暖不热')
    expect(smtp.received[1]!.text).toContain('#33 宝融福园33号楼供暖不热')
  })
})
