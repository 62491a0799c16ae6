import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { finishSubtask } from '../../src/tickets/actions.js'

export default class TicketsDone extends CaseCommand<typeof TicketsDone> {
  static override summary = "Report a unit's sub-task done."
  static override description = 'Each owner of an assignment (the lead and every assisting unit) reports its part done; the reply can go for signature only when every sub-task is done. A handler may report only for their own zone or department.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12 --unit xingjian --as lina', '<%= config.bin %> <%= command.id %> 12 --unit zhujian --note "现场核实完毕" --as zhangwei']
  static override args = { id: ticketArg }
  static override flags = {
    as: asFlag,
    unit: Flags.string({ description: 'The zone or department whose sub-task is done.', required: true }),
    note: Flags.string({ description: 'What was done.' }),
  }

  public async run(): Promise<ActOutput> {
    const { flags } = this
    const result = await this.withCase(async ({ store, ctx, actor }) =>
      finishSubtask(store, ctx, { id: this.args.id, actor: actor(), owner: flags.unit, ...(flags.note !== undefined ? { note: flags.note } : {}) }),
    )
    return this.reportAct(result, `${flags.unit}'s sub-task done`)
  }
}
