/**
 * Publishing signed replies: the channel contract (./types.ts), the three channels, and how to pick
 * and build one from lianxin.yaml's `publish` section. docs/publishing.md explains the whole.
 */
import { resolve } from 'node:path'
import type { PublishChannelConfig, PublishConfig } from '../config/schema.js'
import { ConfigError, NotFoundError, RefusedError, UsageError } from '../errors.js'
import { BrowserChannel } from './channels/browser.js'
import { ExportChannel } from './channels/export.js'
import { WebhookChannel } from './channels/webhook.js'
import type { PublishChannel } from './types.js'

export type { PublishChannel, PublishItem, PublishReceipt } from './types.js'
export { checkItem, describeItem, idempotencyKey } from './item.js'
export { ExportChannel, EXPORT_FORMAT, confirmCommand, exportFileNames, type ExportChannelOptions, type ExportManifest } from './channels/export.js'
export {
  IDEMPOTENCY_HEADER,
  REPLAYED_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  WebhookChannel,
  signWebhook,
  verifyWebhookSignature,
  webhookBody,
  type WebhookChannelOptions,
  type WebhookVerification,
} from './channels/webhook.js'
export { BACKOFFICE_LAYOUT, BrowserChannel, compareShownText, type BrowserChannelOptions, type TextComparison } from './channels/browser.js'

/** What {@link createPublishChannel} needs besides the channel's config. */
export interface PublishContext {
  /** Directory of lianxin.yaml (`LoadedConfig.baseDir`): an export `dir` is relative to it. */
  configDir: string
  /** Where secretEnv / passwordEnv (and LIANXIN_CHROMIUM) are read. @default process.env */
  env?: NodeJS.ProcessEnv
  now?: () => Date
}

const from = (env: NodeJS.ProcessEnv, name: string | undefined): string | undefined => {
  const value = name === undefined ? undefined : env[name]
  return value === undefined || value === '' ? undefined : value
}

function missing(channel: PublishChannelConfig, key: string, what: string): ConfigError {
  return new ConfigError(`publishing channel "${channel.id}" (${channel.kind}) needs ${key}: ${what}`, {
    suggestions: ['Set it under publish.channels in lianxin.yaml (docs/publishing.md), then run "lianxin config check".'],
    details: { channel: channel.id, key },
  })
}

function unsetVariable(channel: PublishChannelConfig, key: string, name: string, what: string): ConfigError {
  return new ConfigError(`publishing channel "${channel.id}": the environment variable ${name} (named by ${key}) is not set; it must hold ${what}`, {
    suggestions: [`export ${name}=… in the environment lianxin runs in (the daemon's service file, or the shell).`],
    details: { channel: channel.id, key, variable: name },
  })
}

/** Builds the channel a `publish.channels[]` entry describes. Secrets are read from `env` now. */
export function createPublishChannel(channel: PublishChannelConfig, context: PublishContext): PublishChannel {
  const env = context.env ?? process.env
  const now = context.now
  switch (channel.kind) {
    case 'export': {
      if (channel.dir === undefined) throw missing(channel, 'dir', 'the directory to write the reply files to')
      return new ExportChannel({ id: channel.id, dir: resolve(context.configDir, channel.dir), ...(now ? { now } : {}) })
    }
    case 'webhook': {
      if (channel.url === undefined) throw missing(channel, 'url', 'the address replies are POSTed to')
      let secret = channel.secret
      if (secret === undefined) {
        if (channel.secretEnv === undefined) throw missing(channel, 'secretEnv', 'the environment variable holding the HMAC secret')
        secret = from(env, channel.secretEnv)
        if (secret === undefined) throw unsetVariable(channel, 'secretEnv', channel.secretEnv, 'the HMAC secret shared with the receiver')
      }
      return new WebhookChannel({
        id: channel.id,
        url: channel.url,
        secret,
        ...(channel.timeoutMs !== undefined ? { timeoutMs: channel.timeoutMs } : {}),
        ...(channel.retries !== undefined ? { retries: channel.retries } : {}),
        ...(now ? { now } : {}),
      })
    }
    case 'browser': {
      if (channel.url === undefined) throw missing(channel, 'url', "the back office's base URL")
      if (channel.username === undefined) throw missing(channel, 'username', 'the back-office account')
      if (channel.passwordEnv === undefined) throw missing(channel, 'passwordEnv', 'the environment variable holding the back-office password')
      const password = from(env, channel.passwordEnv)
      if (password === undefined) throw unsetVariable(channel, 'passwordEnv', channel.passwordEnv, `the back-office password of ${channel.username}`)
      const chromium = from(env, 'LIANXIN_CHROMIUM')
      return new BrowserChannel({
        id: channel.id,
        url: channel.url,
        username: channel.username,
        password,
        ...(channel.timeoutMs !== undefined ? { timeoutMs: channel.timeoutMs } : {}),
        ...(chromium ? { executablePath: chromium } : {}),
        ...(now ? { now } : {}),
      })
    }
  }
}

/**
 * The channel to publish through: the one named (`--channel`), else `publish.default`, else the only
 * enabled channel. Unknown, disabled or ambiguous choices are errors that list the channels.
 */
export function selectPublishChannel(publish: PublishConfig, id?: string): PublishChannelConfig {
  const all = publish.channels
  const known = all.length === 0 ? 'none are configured' : `known: ${all.map((c) => `${c.id} (${c.kind}${c.enabled ? '' : ', disabled'})`).join(', ')}`
  if (all.length === 0) {
    throw new ConfigError('lianxin.yaml has no publishing channels (publish.channels is empty)', {
      suggestions: ['Add an export channel (files for staff to post by hand) or a webhook or browser channel; docs/publishing.md shows each.'],
    })
  }
  const chosen = id ?? publish.default
  if (chosen === undefined) {
    const enabled = all.filter((c) => c.enabled)
    if (enabled.length === 1 && enabled[0]) return enabled[0]
    throw new UsageError(`name the publishing channel to use (${known}), or set publish.default in lianxin.yaml`)
  }
  const channel = all.find((c) => c.id === chosen)
  if (!channel) throw new NotFoundError(`no publishing channel "${chosen}" (${known})`)
  if (!channel.enabled) {
    throw new RefusedError(`publishing channel "${chosen}" is disabled (enabled: false in lianxin.yaml)`, { code: 'PUBLISH_CHANNEL_DISABLED', suggestions: ['Enable it in lianxin.yaml, or name another channel.'] })
  }
  return channel
}
