/**
 * The parts of lianxin.yaml that the config schema leaves to the modules that use them: each
 * source's `options` (validated by its adapter) and each notification channel's `options`.
 * `config check` and the daemon validate them up front, so a typo shows with its line before a
 * crawl or a push fails on it.
 */
import type { NestedSettings } from '../config/load.js'
import type { LianxinConfig } from '../config/schema.js'
import { adapterFor } from '../crawl/registry.js'
import { channelOptionsSchema } from '../notify/options.js'

export function nestedSettings(config: LianxinConfig): NestedSettings[] {
  const out: NestedSettings[] = []
  config.sources.forEach((source, index) => {
    const adapter = adapterFor(source.kind)
    if (adapter) out.push({ at: ['sources', index, 'options'], schema: adapter.options, value: source.options })
  })
  config.notify.channels.forEach((channel, index) => {
    out.push({ at: ['notify', 'channels', index, 'options'], schema: channelOptionsSchema, value: channel.options ?? {} })
  })
  return out
}
