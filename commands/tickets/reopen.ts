import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { reopenTicket } from '../../src/tickets/actions.js'

export default class TicketsReopen extends CaseCommand<typeof TicketsReopen> {
  static override summary = 'Reopen a published or closed case, with a reason.'
  static override description = 'Starts a new round: the sub-tasks reopen, a new reply must be drafted and signed, and the reply and close clocks start again.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12 --reason "群众反映路灯仍未安装" --as zhangwei']
  static override args = { id: ticketArg }
  static override flags = { as: asFlag, reason: Flags.string({ description: 'Why the case is reopened.', required: true }) }

  public async run(): Promise<ActOutput> {
    const result = await this.withCase(async ({ store, ctx, actor }) => reopenTicket(store, ctx, this.args.id, actor(), this.flags.reason))
    return this.reportAct(result, `reopened (round ${result.state.round})`)
  }
}
