import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { assignTicket } from '../../src/tickets/actions.js'

export default class TicketsAssign extends CaseCommand<typeof TicketsAssign> {
  static override summary = 'Assign a case (一日交办): one lead zone or department, N assisting departments.'
  static override description = `"10+N": one of the street/town zones (or a department) leads, functional departments assist; each gets its own sub-task. Without --lead, the routing triage proposed is used (see "lianxin tickets show ID"). With --lead and no --assist, nobody assists.

Stops the assign clock. Also used after a hand-back (退单) to send the case to its new owner.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 12 --as zhangwei',
    '<%= config.bin %> <%= command.id %> 12 --lead xingjian --assist zhujian --assist chengguan --as zhangwei',
  ]
  static override args = { id: ticketArg }
  static override flags = {
    as: asFlag,
    lead: Flags.string({ description: 'Lead zone or department id (default: the routing proposed by triage).' }),
    assist: Flags.string({ description: 'Assisting department or zone id; repeat for several.', multiple: true }),
  }

  public async run(): Promise<ActOutput> {
    const { flags } = this
    const result = await this.withCase(async ({ store, ctx, config, actor }) =>
      assignTicket(store, ctx, config, { id: this.args.id, actor: actor(), ...(flags.lead !== undefined ? { lead: flags.lead } : {}), ...(flags.assist ? { assist: flags.assist } : {}) }),
    )
    return this.reportAct(result, `assigned to ${result.state.lead ?? '?'}${result.state.assist.length > 0 ? ` with ${result.state.assist.join(', ')}` : ''}`)
  }
}
