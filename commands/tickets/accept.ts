import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { acceptTicket } from '../../src/tickets/actions.js'

export default class TicketsAccept extends CaseCommand<typeof TicketsAccept> {
  static override summary = 'Accept a case (一时接访): the bureau has taken it on.'
  static override description = 'Stops the accept clock (one hour by default) and sends the case to dispatch. Staff, the bureau head or an admin may accept.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12 --as zhangwei', 'LIANXIN_USER=zhangwei <%= config.bin %> <%= command.id %> 12 --json']
  static override args = { id: ticketArg }
  static override flags = { as: asFlag }

  public async run(): Promise<ActOutput> {
    const result = await this.withCase(async ({ store, ctx, actor }) => acceptTicket(store, ctx, this.args.id, actor()))
    return this.reportAct(result, 'accepted')
  }
}
