/**
 * Email over SMTP with nodemailer. The channel `url` is the SMTP server:
 * `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://user:pass@host:465` (TLS).
 * When the URL has a user but no password, the password is the channel's `secret` /
 * `secretEnv` (so it can stay out of lianxin.yaml).
 *
 * Addresses: lianxin.yaml users have no email field, so a channel maps user names to addresses
 * in `options.emails` (`{ liuju: liu@… }`); a recipient that is itself an address is used as it
 * is. Recipients without an address are skipped and listed in the result's `skipped`; with no
 * address at all the delivery fails (permanently).
 *
 * SMTP 4xx replies and connection problems are retried; 5xx replies and refused logins are not.
 */
import { createHash } from 'node:crypto'
import nodemailer from 'nodemailer'
import { ConfigError } from '../../errors.js'
import { sendWithRetries, senderContext, type Attempt, type Sender, type SenderContext, type SendOptions } from '../delivery.js'
import { renderEmail, type Notification } from '../message.js'
import { channelOptions, requireUrl, resolveSecret, type ChannelConfig } from '../options.js'

const EMAIL = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$|^[^\s@<>()]+@localhost$/
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EPROTOCOL'])

/** Classifies a nodemailer error. */
export function judgeSmtpError(err: unknown): Attempt {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown }
  const code = typeof e.code === 'string' ? e.code : undefined
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined
  const message = `${code !== undefined ? `${code}: ` : ''}${typeof e.message === 'string' ? e.message : String(err)}`
  const base = { ok: false, ...(responseCode !== undefined ? { status: responseCode } : {}), ...(code !== undefined ? { code } : {}), error: message }
  if (responseCode !== undefined) return responseCode >= 400 && responseCode < 500 ? { ...base, retry: 'transient' } : base
  if (code === 'EAUTH') return { ...base, error: `${message} (check the SMTP user and password)` }
  if (code !== undefined && TRANSIENT_CODES.has(code)) return { ...base, retry: 'transient' }
  return base
}

export function createEmailSender(channel: ChannelConfig, context: Partial<SenderContext> = {}): Sender {
  const ctx = senderContext(context)
  const options = channelOptions(channel)
  const secret = resolveSecret(channel, ctx.env)
  const url = requireUrl(channel, 'smtps://user:pass@smtp.example.cn:465')
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError(`notify channel "${channel.id}": an email url starts with smtp:// or smtps://`, { suggestions: ['e.g. smtps://user:pass@smtp.example.cn:465'] })
  }
  const user = decodeURIComponent(url.username)
  const pass = url.password !== '' ? decodeURIComponent(url.password) : secret
  const timeoutMs = options.timeoutMs ?? ctx.timeoutMs
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port !== '' ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
    ...(user !== '' ? { auth: { user, pass: pass ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  })
  const from = options.from ?? (EMAIL.test(user) ? user : 'lianxin@localhost')
  const emails = options.emails ?? {}
  const render = { timeZone: ctx.timeZone, people: ctx.people }
  const self = { id: channel.id, kind: channel.kind, secrets: [secret, pass, url.password !== '' ? decodeURIComponent(url.password) : undefined] }

  /** Addresses for the message's recipients (or the channel's `to` when it names none). */
  function addresses(message: Notification): { to: string[]; skipped: string[] } {
    const names = message.recipients.length > 0 ? message.recipients : (channel.to ?? Object.keys(emails))
    const to: string[] = []
    const skipped: string[] = []
    for (const name of names) {
      const address = emails[name] ?? (EMAIL.test(name) ? name : undefined)
      if (address === undefined) skipped.push(name)
      else if (!to.includes(address)) to.push(address)
    }
    return { to, skipped }
  }

  async function attempt(message: Notification): Promise<Attempt> {
    const { to, skipped } = addresses(message)
    if (to.length === 0) {
      return { ok: false, error: `no email address for ${skipped.join(', ') || 'anyone'}: add them under options.emails of channel "${channel.id}"`, skipped }
    }
    const content = renderEmail(message, render)
    try {
      const info = await transport.sendMail({
        from,
        to,
        subject: content.subject,
        text: content.text,
        html: content.html,
        messageId: `<${createHash('sha256').update(message.key).digest('hex').slice(0, 24)}@lianxin>`,
        headers: { 'X-Lianxin-Key': message.key, 'X-Lianxin-Kind': message.kind },
      })
      const rejected = (info.rejected ?? []).map((r: string | { address: string }) => (typeof r === 'string' ? r : r.address))
      if (info.accepted.length === 0) return { ok: false, error: `the SMTP server refused every recipient: ${rejected.join(', ')}`, skipped }
      return { ok: true, status: 250, skipped: [...skipped, ...rejected] }
    } catch (err) {
      return { ...judgeSmtpError(err), skipped }
    }
  }

  return {
    id: channel.id,
    kind: channel.kind,
    send: (message: Notification, sendOptions?: SendOptions) => sendWithRetries(self, message, attempt, ctx, sendOptions),
    fits: () => true,
    close: async () => {
      transport.close()
    },
  }
}
