/**
 * WeCom (企业微信) group bot: POST `{msgtype: 'markdown', markdown: {content}}` to
 * `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`. Group bots are not signed: the
 * `key` in the URL is the credential. It may stay out of lianxin.yaml: give the URL without
 * `key` and put the key in `secret` / `secretEnv`.
 *
 * Answers are HTTP 200 with `{errcode, errmsg}`: 0 ok, 45009 rate limited (20 messages a minute
 * per bot), -1 system busy (both retried), anything else (93000 bad key, 40058 content too
 * long, 40008 bad msgtype, …) permanent. Content is cut to 4096 bytes with a note.
 */
import { sendWithRetries, senderContext, type Attempt, type Sender, type SenderContext, type SendOptions } from '../delivery.js'
import { renderWecom, wecomFits, type Notification } from '../message.js'
import { channelOptions, requireUrl, resolveSecret, type ChannelConfig } from '../options.js'
import { field, isAttempt, postJson, snippet } from './http.js'

export const WECOM_RATE_LIMITED = [45009] as const
export const WECOM_TRANSIENT = [-1] as const

/** Classifies a WeCom answer. */
export function judgeWecom(status: number, json: unknown, text: string): Attempt {
  const errcode = field(json, 'errcode')
  if (typeof errcode !== 'number') {
    if (status >= 500 || status === 429) return { ok: false, status, retry: status === 429 ? 'rate-limit' : 'transient', error: `HTTP ${status}` }
    return { ok: false, status, error: `HTTP ${status}: not a WeCom answer: ${snippet(text)}` }
  }
  const errmsg = String(field(json, 'errmsg') ?? '')
  if (errcode === 0) return { ok: true, status, code: 0 }
  const base = { ok: false, status, code: errcode, error: `WeCom errcode ${errcode}: ${errmsg}` }
  if ((WECOM_RATE_LIMITED as readonly number[]).includes(errcode)) return { ...base, retry: 'rate-limit' }
  if ((WECOM_TRANSIENT as readonly number[]).includes(errcode) || status >= 500) return { ...base, retry: 'transient' }
  if (errcode === 93000) return { ...base, error: `${base.error} (the webhook key is wrong or the bot was removed)` }
  return base
}

export function createWecomSender(channel: ChannelConfig, context: Partial<SenderContext> = {}): Sender {
  const ctx = senderContext(context)
  const options = channelOptions(channel)
  const secret = resolveSecret(channel, ctx.env)
  const url = requireUrl(channel, 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…')
  if (!url.searchParams.has('key') && secret !== undefined) url.searchParams.set('key', secret)
  const render = { timeZone: ctx.timeZone, people: ctx.people, mentions: options.mentions }
  const timeoutMs = options.timeoutMs ?? ctx.timeoutMs
  const self = { id: channel.id, kind: channel.kind, secrets: [secret, url.searchParams.get('key') ?? undefined] }

  async function attempt(message: Notification): Promise<Attempt> {
    const body = JSON.stringify(renderWecom(message, render))
    const res = await postJson(url, body, {}, timeoutMs, ctx.now().getTime())
    return isAttempt(res) ? res : judgeWecom(res.status, res.json, res.text)
  }

  return {
    id: channel.id,
    kind: channel.kind,
    send: (message: Notification, sendOptions?: SendOptions) => sendWithRetries(self, message, attempt, ctx, sendOptions),
    fits: (message) => wecomFits(message, render),
    close: async () => {},
  }
}
