import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { handBack } from '../../src/tickets/actions.js'

export default class TicketsHandback extends CaseCommand<typeof TicketsHandback> {
  static override summary = 'Hand a case back to dispatch (退单), with a reason and a proposed owner.'
  static override description = 'The case returns to dispatch (state accepted) to be assigned again; the hand-back is counted against the unit in the department evaluation.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12 --unit xingjian --reason "该小区属保国街道管辖" --propose baoguo --as lina']
  static override args = { id: ticketArg }
  static override flags = {
    as: asFlag,
    unit: Flags.string({ description: 'The zone or department handing the case back.', required: true }),
    reason: Flags.string({ description: 'Why this case is not theirs.', required: true }),
    propose: Flags.string({ description: 'Who should have it instead (zone or department id).', required: true }),
  }

  public async run(): Promise<ActOutput> {
    const { flags } = this
    const result = await this.withCase(async ({ store, ctx, config, actor }) =>
      handBack(store, ctx, config, { id: this.args.id, actor: actor(), owner: flags.unit, reason: flags.reason, proposedOwner: flags.propose }),
    )
    return this.reportAct(result, `handed back by ${flags.unit}, proposed ${flags.propose}`)
  }
}
