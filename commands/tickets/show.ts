import { CaseCommand, ticketArg } from '../../src/cli/case-command.js'
import { showCase, type CaseDetail } from '../../src/tickets/query.js'
import { renderCase } from '../../src/tickets/render.js'

export default class TicketsShow extends CaseCommand<typeof TicketsShow> {
  static override summary = 'Show one ticket: its posts, the routing and its reasons, every event, every clock.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12', '<%= config.bin %> <%= command.id %> 12 --json']
  static override args = { id: ticketArg }

  public async run(): Promise<CaseDetail> {
    const { detail, text } = await this.withCase(async ({ store, ctx, config }) => {
      const detail = await showCase(store, ctx.policy, this.args.id, store.now())
      return { detail, text: renderCase(detail, config) }
    })
    this.log(text)
    return detail
  }
}
