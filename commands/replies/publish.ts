import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg } from '../../src/cli/case-command.js'
import { createPublishChannel, selectPublishChannel } from '../../src/publish/index.js'
import { publishReply, type PublishOutcome } from '../../src/replies/publish.js'

export default class RepliesPublish extends CaseCommand<typeof RepliesPublish> {
  static override summary = 'Publish an approved reply, after checking both signatures over its exact text.'
  static override description = `Right before sending, lianxin rebuilds the sign-off from the tamper-evident log and verifies both signatures (bureau head, then supervising leader) against registered, unrevoked keys over the exact text; it refuses with the reasons otherwise. Publishing is exactly once: run it again after a crash and it finds the earlier delivery instead of sending twice.

Channels (publish.channels in lianxin.yaml): export (files for staff to post in the board's back office; then "lianxin replies confirm-published"), webhook (HMAC-signed), browser (fills the back office's reply form).`
  static override examples = ['<%= config.bin %> <%= command.id %> 12 --as zhangwei', '<%= config.bin %> <%= command.id %> 12 --channel board-backoffice --as zhangwei --json']
  static override args = { id: ticketArg }
  static override flags = { as: asFlag, channel: Flags.string({ description: 'Channel id (default: publish.default).' }) }

  public async run(): Promise<PublishOutcome> {
    const outcome = await this.withCase(async ({ store, ctx, config, baseDir, actor }) => {
      const channel = createPublishChannel(selectPublishChannel(config.publish, this.flags.channel), { configDir: baseDir, now: store.now })
      try {
        this.progress(`Verifying the signatures of ticket #${this.args.id} and publishing through ${channel.id} (${channel.kind})…`)
        return await publishReply(store, ctx, { ticketId: this.args.id, actor: actor(), channel })
      } finally {
        await channel.close?.()
      }
    })
    if (outcome.outcome === 'exported') {
      this.log(`Ticket #${outcome.ticketId}: version ${outcome.version} exported${outcome.resumed ? ' (found from an earlier run)' : ''}: ${(outcome.receipt.files ?? []).join(', ')}`)
      this.log(`Post it in the board's back office, then run "lianxin replies confirm-published ${outcome.ticketId} --url <thread address>".`)
    } else {
      this.log(`Ticket #${outcome.ticketId}: version ${outcome.version} published via ${outcome.channel}${outcome.receipt.url ? ` at ${outcome.receipt.url}` : ''}${outcome.resumed ? ' (delivered by an earlier, interrupted run)' : ''}.`)
    }
    return outcome
  }
}
