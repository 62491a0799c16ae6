/**
 * Generic webhook: POST the notification as JSON (see `WebhookPayload` in ../message.ts) to
 * the channel's URL, with
 *
 *   X-Lianxin-Timestamp: <unix seconds>
 *   X-Lianxin-Signature: sha256=<hex HMAC-SHA256(key = secret, message = timestamp + "." + body)>
 *   Idempotency-Key: <notification key>     (a digest's key for a merged delivery)
 *
 * The signature headers are sent only when the channel has a secret. Receivers should check the
 * signature over the raw body, refuse timestamps more than 5 minutes off, and treat a repeated
 * Idempotency-Key as already done. 2xx is success; 408, 429 and 5xx are retried (Retry-After
 * honoured); other 4xx are permanent.
 */
import { createHmac } from 'node:crypto'
import { judgeStatus, sendWithRetries, senderContext, type Attempt, type Sender, type SenderContext, type SendOptions } from '../delivery.js'
import { renderWebhook, type Notification } from '../message.js'
import { channelOptions, requireUrl, resolveSecret, type ChannelConfig } from '../options.js'
import { field, isAttempt, postJson, snippet } from './http.js'

/** `sha256=<hex>` over `${timestamp}.${body}`. */
export function signWebhook(timestamp: number | string, body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`
}

/** Headers of a signed webhook request. */
export function webhookHeaders(key: string, body: string, secret: string | undefined, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000))
  return {
    'idempotency-key': key,
    ...(secret !== undefined ? { 'x-lianxin-timestamp': timestamp, 'x-lianxin-signature': signWebhook(timestamp, body, secret) } : {}),
  }
}

export function createWebhookSender(channel: ChannelConfig, context: Partial<SenderContext> = {}): Sender {
  const ctx = senderContext(context)
  const options = channelOptions(channel)
  const secret = resolveSecret(channel, ctx.env)
  const url = requireUrl(channel, 'https://example.gov.cn/hooks/lianxin')
  const render = { timeZone: ctx.timeZone, people: ctx.people }
  const timeoutMs = options.timeoutMs ?? ctx.timeoutMs
  const self = { id: channel.id, kind: channel.kind, secrets: [secret] }

  async function attempt(message: Notification): Promise<Attempt> {
    const now = ctx.now().getTime()
    const body = JSON.stringify(renderWebhook(message, render))
    const res = await postJson(url, body, webhookHeaders(message.key, body, secret, now), timeoutMs, now)
    if (isAttempt(res)) return res
    const verdict = judgeStatus(res.status, res.retryAfterMs)
    if (verdict.ok) return verdict
    const reason = field(res.json, 'error') ?? field(res.json, 'message')
    return { ...verdict, error: `${verdict.error}${typeof reason === 'string' ? `: ${reason}` : res.text !== '' ? `: ${snippet(res.text)}` : ''}` }
  }

  return {
    id: channel.id,
    kind: channel.kind,
    send: (message: Notification, sendOptions?: SendOptions) => sendWithRetries(self, message, attempt, ctx, sendOptions),
    fits: () => true,
    close: async () => {},
  }
}
