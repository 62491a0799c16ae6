import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { mergeTicket } from '../../src/tickets/actions.js'

export default class TicketsMerge extends CaseCommand<typeof TicketsMerge> {
  static override summary = 'Merge a case into another one about the same matter.'
  static override description = 'The merged case stops (its clocks are cancelled) and points to the one it went into, where the work continues.'
  static override examples = ['<%= config.bin %> <%= command.id %> 14 --into 12 --as zhangwei']
  static override args = { id: ticketArg }
  static override flags = { as: asFlag, into: Flags.integer({ description: 'The ticket it goes into.', required: true, min: 1 }) }

  public async run(): Promise<ActOutput> {
    const result = await this.withCase(async ({ store, ctx, actor }) => mergeTicket(store, ctx, this.args.id, actor(), this.flags.into))
    return this.reportAct(result, `merged into #${this.flags.into}`)
  }
}
