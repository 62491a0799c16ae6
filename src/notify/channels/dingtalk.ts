/**
 * DingTalk (钉钉) custom bot: POST `{msgtype: 'markdown', markdown: {title, text}, at}` to
 * `https://oapi.dingtalk.com/robot/send?access_token=…`. With a signing secret (加签, `SEC…`)
 * the URL also carries `timestamp` (ms) and `sign` = urlencode(base64(HMAC-SHA256(key = secret,
 * message = `${timestamp}\n${secret}`))); DingTalk refuses timestamps more than an hour off.
 *
 * Answers are `{errcode, errmsg}`: 0 ok; 130101 / 130102 sent too fast (20 a minute per bot;
 * DingTalk then throttles the bot for 10 minutes) and -1 system busy are retried; 310000
 * (signature, timestamp, keyword or IP refused), 300001 (bad token), 460101 (body over 20000
 * bytes) and the rest are permanent.
 */
import { createHmac } from 'node:crypto'
import { sendWithRetries, senderContext, type Attempt, type Sender, type SenderContext, type SendOptions } from '../delivery.js'
import { dingtalkFits, renderDingtalk, type Notification } from '../message.js'
import { channelOptions, requireUrl, resolveSecret, type ChannelConfig } from '../options.js'
import { field, isAttempt, postJson, snippet } from './http.js'

export const DINGTALK_RATE_LIMITED = [130101, 130102] as const
export const DINGTALK_TRANSIENT = [-1] as const

/** DingTalk's signature of a millisecond timestamp (base64, before URL encoding). */
export function signDingtalk(timestamp: number | string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64')
}

/** Classifies a DingTalk answer. */
export function judgeDingtalk(status: number, json: unknown, text: string): Attempt {
  const errcode = field(json, 'errcode')
  if (typeof errcode !== 'number') {
    if (status >= 500 || status === 429) return { ok: false, status, retry: status === 429 ? 'rate-limit' : 'transient', error: `HTTP ${status}` }
    return { ok: false, status, error: `HTTP ${status}: not a DingTalk answer: ${snippet(text)}` }
  }
  if (errcode === 0) return { ok: true, status, code: 0 }
  const errmsg = String(field(json, 'errmsg') ?? '')
  const base = { ok: false, status, code: errcode, error: `DingTalk errcode ${errcode}: ${errmsg}` }
  if ((DINGTALK_RATE_LIMITED as readonly number[]).includes(errcode)) return { ...base, retry: 'rate-limit' }
  if ((DINGTALK_TRANSIENT as readonly number[]).includes(errcode) || status >= 500) return { ...base, retry: 'transient' }
  if (errcode === 310000) return { ...base, error: `${base.error} (check the channel's secret, the clock of this machine, and the bot's keyword or IP settings)` }
  return base
}

export function createDingtalkSender(channel: ChannelConfig, context: Partial<SenderContext> = {}): Sender {
  const ctx = senderContext(context)
  const options = channelOptions(channel)
  const secret = resolveSecret(channel, ctx.env)
  const base = requireUrl(channel, 'https://oapi.dingtalk.com/robot/send?access_token=…')
  const render = { timeZone: ctx.timeZone, people: ctx.people, mentions: options.mentions }
  const timeoutMs = options.timeoutMs ?? ctx.timeoutMs
  const self = { id: channel.id, kind: channel.kind, secrets: [secret, base.searchParams.get('access_token') ?? undefined] }

  async function attempt(message: Notification): Promise<Attempt> {
    const url = new URL(base)
    const now = ctx.now().getTime()
    if (secret !== undefined) {
      url.searchParams.set('timestamp', String(now))
      url.searchParams.set('sign', signDingtalk(now, secret))
    }
    const res = await postJson(url, JSON.stringify(renderDingtalk(message, render)), {}, timeoutMs, now)
    return isAttempt(res) ? res : judgeDingtalk(res.status, res.json, res.text)
  }

  return {
    id: channel.id,
    kind: channel.kind,
    send: (message: Notification, sendOptions?: SendOptions) => sendWithRetries(self, message, attempt, ctx, sendOptions),
    fits: (message) => dingtalkFits(message, render),
    close: async () => {},
  }
}
