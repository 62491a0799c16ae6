import { CaseCommand, ticketArg } from '../../src/cli/case-command.js'
import { renderBrief } from '../../src/replies/render.js'
import { approvalBrief, type ApprovalBrief } from '../../src/replies/service.js'

export default class RepliesShow extends CaseCommand<typeof RepliesShow> {
  static override summary = "Show a ticket's reply as approvers see it: the post, the routing, the draft, its history and the reply check."
  static override examples = ['<%= config.bin %> <%= command.id %> 12', '<%= config.bin %> <%= command.id %> 12 --json']
  static override args = { id: ticketArg }

  public async run(): Promise<ApprovalBrief> {
    const { brief, text } = await this.withCase(async ({ store, config }) => {
      const brief = await approvalBrief(store, this.args.id)
      return { brief, text: renderBrief(brief, config) }
    })
    this.log(text)
    return brief
  }
}
