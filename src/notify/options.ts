/**
 * A notification channel as the senders see it: the lianxin.yaml channel (`notify.channels[]`)
 * plus kind-specific `options`, validated here the way source adapters validate theirs, and
 * its signing secret resolved from the file or the environment.
 */
import { z } from 'zod'
import type { NotifyChannel } from '../config/schema.js'
import { ConfigError } from '../errors.js'

export type ChannelKind = NotifyChannel['kind']

/**
 * A configured channel. `options` is not (yet) part of the lianxin.yaml channel schema; until it
 * is, callers may add it when they build the channel list.
 */
export type ChannelConfig = NotifyChannel & { options?: Record<string, unknown> | undefined }

const userName = z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'keys are user names such as liuju' })

/** Kind-specific channel options. Unknown keys are refused so typos show. */
export const channelOptionsSchema = z
  .object({
    /** email: the address of each user name, e.g. `{ liuju: liu@pingfang.gov.cn }`. */
    emails: z.record(userName, z.email({ error: 'expected an email address' })).optional(),
    /** email: the From address. @default the SMTP user if it is an address, else lianxin@localhost */
    from: z.string().min(3).optional(),
    /**
     * wecom / dingtalk / feishu: the platform id to @-mention for each user name (WeCom userid,
     * DingTalk mobile or userId, Feishu open_id). DingTalk falls back to the user's `phone`.
     */
    mentions: z.record(userName, z.string().min(1)).optional(),
    /** Request timeout in ms. @default 10000 */
    timeoutMs: z.number().int().positive().optional(),
    /**
     * Messages a minute this channel takes. @default 20 (the WeCom, DingTalk and Feishu group bots'
     * limit); a webhook into the bureau's own systems or a mail server may take more.
     */
    ratePerMinute: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(1, { error: 'at least 1' }).max(6000, { error: 'at most 6000' }).optional(),
  })
  .strict()

export type ChannelOptions = z.infer<typeof channelOptionsSchema>

/** The channel's options, validated; a ConfigError naming the channel and key otherwise. */
export function channelOptions(channel: ChannelConfig): ChannelOptions {
  const parsed = channelOptionsSchema.safeParse(channel.options ?? {})
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue !== undefined && issue.path.length > 0 ? `.${issue.path.join('.')}` : ''
  throw new ConfigError(`notify channel "${channel.id}": options${where}: ${issue?.message ?? 'invalid'}`, {
    suggestions: ['Channel options are: emails, from, mentions, timeoutMs, ratePerMinute (see docs/notify.md).'],
  })
}

/**
 * The channel's secret: `secret` from the file, else the environment variable named by
 * `secretEnv`. A ConfigError names the variable when it is set in the file but missing from
 * the environment. `undefined` when the channel has neither (unsigned).
 */
export function resolveSecret(channel: ChannelConfig, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (channel.secret !== undefined && channel.secret !== '') return channel.secret
  if (channel.secretEnv === undefined) return undefined
  const value = env[channel.secretEnv]
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`notify channel "${channel.id}" reads its secret from the environment variable ${channel.secretEnv}, which is not set`, {
      suggestions: [`Set ${channel.secretEnv} in the environment of lianxin (e.g. in the service unit), or remove secretEnv from the channel.`],
      details: { channel: channel.id, variable: channel.secretEnv },
    })
  }
  return value.trim()
}

/** The channel's URL, or a ConfigError when it has none. */
export function requireUrl(channel: ChannelConfig, example: string): URL {
  if (channel.url === undefined || channel.url === '') {
    throw new ConfigError(`notify channel "${channel.id}" (${channel.kind}) needs url, e.g. ${example}`)
  }
  try {
    return new URL(channel.url)
  } catch {
    throw new ConfigError(`notify channel "${channel.id}": url is not a valid URL`, { suggestions: [`e.g. ${example}`] })
  }
}
