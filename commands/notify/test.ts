import { Args } from '@oclif/core'
import { BaseCommand } from '../../src/cli/base-command.js'
import { withContext } from '../../src/cli/context.js'
import { NotFoundError, SourceError, UsageError } from '../../src/errors.js'
import type { DeliveryResult } from '../../src/notify/delivery.js'
import { createNotifier } from '../../src/notify/notifier.js'

export default class NotifyTest extends BaseCommand<typeof NotifyTest> {
  static override summary = 'Send a test message through one notification channel.'
  static override description = 'Checks the channel end to end (address, signing secret, the platform’s answer) with a harmless message to the channel’s recipients. Exit 8 when the platform refuses it, with its error code.'
  static override examples = ['<%= config.bin %> <%= command.id %> wecom-bureau', '<%= config.bin %> <%= command.id %> ding-leaders --json']
  static override args = { channel: Args.string({ description: 'Channel id (notify.channels[].id).', required: true }) }

  public async run(): Promise<DeliveryResult> {
    const result = await withContext({ configPath: this.flags.config, migrate: false }, async ({ loaded, store }) => {
      if (!loaded) throw new UsageError('this command needs lianxin.yaml; create one with "lianxin init"')
      const { config } = loaded
      const channel = config.notify.channels.find((c) => c.id === this.args.channel)
      if (!channel) throw new NotFoundError(`no notification channel "${this.args.channel}"`, { suggestions: [`Configured: ${config.notify.channels.map((c) => c.id).join(', ') || 'none'}`] })
      const notifier = createNotifier([{ ...channel, enabled: true }], { people: config.users, timeZone: config.district.timezone, maxAttempts: 2 })
      try {
        const at = store.now().toISOString()
        const [delivered] = await notifier.deliver({
          key: `test:${channel.id}:${at}`,
          kind: 'test',
          urgency: '一般',
          title: 'lianxin 测试消息 / test message',
          lines: [`渠道 ${channel.id} (${channel.kind}) 配置正确。`, 'This channel works; nothing needs doing.'],
          action: 'lianxin daemon',
          at,
          recipients: channel.to ?? [],
        })
        return delivered
      } finally {
        await notifier.close()
      }
    })
    if (!result) throw new UsageError(`channel ${this.args.channel} takes no test message (its events filter excludes it)`)
    if (!result.ok) throw new SourceError(`${result.channel} (${result.kind}) refused the test message after ${result.attempts} attempt(s): ${result.error ?? 'no reason given'}`)
    this.log(`Sent a test message through ${result.channel} (${result.kind}) in ${result.attempts} attempt(s).`)
    return result
  }
}
