import { Flags } from '@oclif/core'
import { CaseCommand } from '../src/cli/case-command.js'
import { UsageError } from '../src/errors.js'
import { localDate, localMidnight } from '../src/tickets/clocks/index.js'
import { renderReport } from '../src/tickets/render.js'
import { bureauReport, type BureauReport } from '../src/tickets/report.js'

const DATE = /^\d{4}-\d{2}-\d{2}$/

export default class Report extends CaseCommand<typeof Report> {
  static override summary = 'The bureau\'s figures for a period: 办结率, the five clocks kept, 满意率, each unit\'s cases, missed clocks and 退单.'
  static override description = `Counts the cases opened from --since up to (not including) --until, in the district's time zone: how many were received, closed, still open or merged (办结率 = closed / not merged); for each of the five clocks (五个一) how many were kept, kept late, are overdue or still running; the share of rated cases the citizen was satisfied with (满意率: 满意, 基本满意 and 4–5 stars count as satisfied; 不满意, 部分解决 and 1–2 stars do not); and for every zone and department of the "10+N" the cases it led and assisted, the clocks missed on the cases it led, its hand-backs (退单) and its 满意率. Default period: the current month.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --since 2026-11-01 --until 2026-12-01',
    '<%= config.bin %> <%= command.id %> --since 2026-01-01 --json',
  ]
  static override flags = {
    since: Flags.string({ description: 'First day (YYYY-MM-DD, district time). Default: the first of this month.' }),
    until: Flags.string({ description: 'Day after the last (YYYY-MM-DD). Default: tomorrow.' }),
  }

  public async run(): Promise<BureauReport> {
    for (const [flag, value] of [['--since', this.flags.since], ['--until', this.flags.until]] as const) {
      if (value !== undefined && (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))) throw new UsageError(`${flag} ${value}: write a date as YYYY-MM-DD, e.g. 2026-11-01`)
    }
    const { report, text } = await this.withCase(async ({ store, ctx, config }) => {
      const tz = config.district.timezone
      const now = store.now()
      const today = localDate(now.getTime(), tz)
      const since = this.flags.since ?? `${today.slice(0, 8)}01`
      const until = this.flags.until ?? localDate(now.getTime() + 86_400_000, tz)
      if (until <= since) throw new UsageError(`--until ${until} is not after --since ${since}`)
      const report = await bureauReport(store, ctx.policy, { from: new Date(localMidnight(since, tz)), to: new Date(localMidnight(until, tz)), now })
      return { report, text: renderReport(report, config, { from: since, to: until }) }
    })
    this.log(text)
    return report
  }
}
