import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { rejectReply } from '../../src/replies/service.js'

export default class RepliesReject extends CaseCommand<typeof RepliesReject> {
  static override summary = 'Reject the reply waiting for your signature, with a reason for its author.'
  static override description = 'The ticket returns to drafting; the rejected version can never be signed; the author drafts a new version.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12 --reason "请写明安装路灯的具体时间和联系人" --as liuju']
  static override args = { id: ticketArg }
  static override flags = { as: asFlag, reason: Flags.string({ description: 'What must change.', required: true }) }

  public async run(): Promise<ActOutput> {
    const result = await this.withCase(async ({ store, ctx, actor }) => rejectReply(store, ctx, { ticketId: this.args.id, approver: actor(), reason: this.flags.reason }))
    return this.reportAct(result, 'reply rejected')
  }
}
