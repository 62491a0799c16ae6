import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { rateTicket } from '../../src/tickets/actions.js'

export default class TicketsRate extends CaseCommand<typeof TicketsRate> {
  static override summary = "Record the citizen's satisfaction with the published reply."
  static override description = `For ratings given by phone, survey or visit; ratings on the message board are taken from the crawled thread automatically. One rating per round; the reply's author cannot record it. A low rating ("dissatisfied", "partly-solved" or 1–2) notifies the bureau head; reopen the case if the problem remains.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 12 --grade satisfied --source phone --as zhangwei',
    '<%= config.bin %> <%= command.id %> 12 --grade partly-solved --source survey --comment "路灯已装，但亮度不够" --as zhangwei',
    '<%= config.bin %> <%= command.id %> 12 --grade 4 --source visit --as zhangwei',
  ]
  static override args = { id: ticketArg }
  static override flags = {
    as: asFlag,
    grade: Flags.string({ description: 'satisfied, basically, dissatisfied, partly-solved, or 1 (worst) to 5 (best).', required: true }),
    source: Flags.string({ description: 'Where the rating came from: phone, survey, visit…', required: true }),
    comment: Flags.string({ description: "The citizen's words." }),
  }

  public async run(): Promise<ActOutput> {
    const { flags } = this
    const result = await this.withCase(async ({ store, ctx, actor }) =>
      rateTicket(store, ctx, { id: this.args.id, actor: actor(), grade: flags.grade, source: flags.source, ...(flags.comment !== undefined ? { comment: flags.comment } : {}) }),
    )
    return this.reportAct(result, `rated ${flags.grade} (${flags.source})`)
  }
}
