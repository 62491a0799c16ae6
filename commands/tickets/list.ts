import { Flags } from '@oclif/core'
import { CaseCommand } from '../../src/cli/case-command.js'
import { parseDuration } from '../../src/config/duration.js'
import { UsageError } from '../../src/errors.js'
import { listCases, type CaseRow } from '../../src/tickets/query.js'
import { renderCaseList } from '../../src/tickets/render.js'
import { TICKET_STATUSES } from '../../src/tickets/workflow/index.js'

export default class TicketsList extends CaseCommand<typeof TicketsList> {
  static override summary = 'List tickets with their next deadline.'
  static override description = 'One line per ticket: urgency, status, lead unit, the running clock that falls due first, and the time left (OVERDUE when past). Filters combine.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --overdue',
    '<%= config.bin %> <%= command.id %> --due-within 1d --zone xingjian',
    '<%= config.bin %> <%= command.id %> --status awaiting-bureau-head --status awaiting-leader --json',
  ]
  static override flags = {
    status: Flags.string({ description: 'Only this status; repeat for several.', options: [...TICKET_STATUSES], multiple: true }),
    overdue: Flags.boolean({ description: 'Only tickets with a clock past its deadline.' }),
    'due-within': Flags.string({ description: 'Only tickets with a running clock due within this time (2h, 1d, 1w).' }),
    zone: Flags.string({ description: 'Only tickets led by (or located in) this zone.' }),
    dept: Flags.string({ description: 'Only tickets this department leads or assists.' }),
    limit: Flags.integer({ description: 'At most this many.', min: 1 }),
  }

  public async run(): Promise<{ now: string; tickets: CaseRow[] }> {
    const { flags } = this
    let dueWithinMs: number | undefined
    if (flags['due-within'] !== undefined) {
      try {
        dueWithinMs = parseDuration(flags['due-within'])
      } catch {
        throw new UsageError(`--due-within ${flags['due-within']}: not a duration; write 2h, 1d or 1w`)
      }
    }
    const { rows, text, now } = await this.withCase(async ({ store, ctx, config }) => {
      const now = store.now()
      const rows = await listCases(store, ctx.policy, {
        now,
        ...(flags.status ? { status: flags.status } : {}),
        overdue: flags.overdue,
        ...(dueWithinMs !== undefined ? { dueWithinMs } : {}),
        ...(flags.zone !== undefined ? { zone: flags.zone } : {}),
        ...(flags.dept !== undefined ? { dept: flags.dept } : {}),
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
      })
      return { rows, text: renderCaseList(rows, config), now }
    })
    this.log(rows.length === 0 ? 'No tickets match.' : text)
    return { now: now.toISOString(), tickets: rows }
  }
}
