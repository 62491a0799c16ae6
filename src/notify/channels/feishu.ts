/**
 * Feishu (飞书) custom bot: POST an interactive card `{msg_type: 'interactive', card}` to
 * `https://open.feishu.cn/open-apis/bot/v2/hook/<token>`. With a signing secret (签名校验) the
 * body also carries `timestamp` (seconds, as a string) and `sign` =
 * base64(HMAC-SHA256(key = `${timestamp}\n${secret}`, message = '')) — note: the key is the
 * string to sign and the message is empty, the reverse of DingTalk. Timestamps more than an
 * hour off are refused.
 *
 * Answers are `{code, msg}` (older bots: `{StatusCode, StatusMessage}`): 0 ok; 11232 (frequency
 * limited: 100 a minute, 5 a second per bot) and 9499 when its message says "too many request"
 * are retried; 9499 "Bad Request" (malformed body or over 20 KB), 19001 (bad token), 19021
 * (signature or timestamp), 19022 (IP), 19024 (keyword) and the rest are permanent.
 */
import { createHmac } from 'node:crypto'
import { sendWithRetries, senderContext, type Attempt, type Sender, type SenderContext, type SendOptions } from '../delivery.js'
import { feishuFits, renderFeishu, type Notification } from '../message.js'
import { channelOptions, requireUrl, resolveSecret, type ChannelConfig } from '../options.js'
import { field, isAttempt, postJson, snippet } from './http.js'

export const FEISHU_RATE_LIMITED = [11232, 99991400] as const

/** Feishu's signature of a timestamp in seconds. */
export function signFeishu(timestamp: number | string, secret: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64')
}

/** Classifies a Feishu answer (new `code` or old `StatusCode` form). */
export function judgeFeishu(status: number, json: unknown, text: string): Attempt {
  const code = field(json, 'code') ?? field(json, 'StatusCode')
  if (typeof code !== 'number') {
    if (status >= 500 || status === 429) return { ok: false, status, retry: status === 429 ? 'rate-limit' : 'transient', error: `HTTP ${status}` }
    return { ok: false, status, error: `HTTP ${status}: not a Feishu answer: ${snippet(text)}` }
  }
  if (code === 0) return { ok: true, status, code: 0 }
  const msg = String(field(json, 'msg') ?? field(json, 'StatusMessage') ?? '')
  const base = { ok: false, status, code, error: `Feishu code ${code}: ${msg}` }
  if ((FEISHU_RATE_LIMITED as readonly number[]).includes(code)) return { ...base, retry: 'rate-limit' }
  if (code === 9499 && /too many|frequen|rate limit/i.test(msg)) return { ...base, retry: 'rate-limit' }
  if (status >= 500) return { ...base, retry: 'transient' }
  if (code === 19021) return { ...base, error: `${base.error} (check the channel's secret and the clock of this machine)` }
  return base
}

export function createFeishuSender(channel: ChannelConfig, context: Partial<SenderContext> = {}): Sender {
  const ctx = senderContext(context)
  const options = channelOptions(channel)
  const secret = resolveSecret(channel, ctx.env)
  const url = requireUrl(channel, 'https://open.feishu.cn/open-apis/bot/v2/hook/…')
  const render = { timeZone: ctx.timeZone, people: ctx.people, mentions: options.mentions }
  const timeoutMs = options.timeoutMs ?? ctx.timeoutMs
  const token = /\/hook\/([^/?#]+)/.exec(url.pathname)?.[1]
  const self = { id: channel.id, kind: channel.kind, secrets: [secret, token] }

  async function attempt(message: Notification): Promise<Attempt> {
    const now = ctx.now().getTime()
    const card = renderFeishu(message, render)
    const timestamp = String(Math.floor(now / 1000))
    const body = secret !== undefined ? { timestamp, sign: signFeishu(timestamp, secret), ...card } : card
    const res = await postJson(url, JSON.stringify(body), {}, timeoutMs, now)
    return isAttempt(res) ? res : judgeFeishu(res.status, res.json, res.text)
  }

  return {
    id: channel.id,
    kind: channel.kind,
    send: (message: Notification, sendOptions?: SendOptions) => sendWithRetries(self, message, attempt, ctx, sendOptions),
    fits: (message) => feishuFits(message, render),
    close: async () => {},
  }
}
