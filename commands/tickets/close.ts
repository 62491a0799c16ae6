import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { closeTicket } from '../../src/tickets/actions.js'

export default class TicketsClose extends CaseCommand<typeof TicketsClose> {
  static override summary = 'Close a case whose reply is published (一月办结).'
  static override description = 'Stops every clock still running. A closed case can be reopened ("lianxin tickets reopen"); nothing is ever deleted.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12 --as zhangwei']
  static override args = { id: ticketArg }
  static override flags = { as: asFlag }

  public async run(): Promise<ActOutput> {
    const result = await this.withCase(async ({ store, ctx, actor }) => closeTicket(store, ctx, this.args.id, actor()))
    return this.reportAct(result, 'closed')
  }
}
