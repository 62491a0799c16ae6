import { BaseCommand } from '../../src/cli/base-command.js'
import { withContext } from '../../src/cli/context.js'
import { sourceStatuses, type SourceStatus } from '../../src/crawl/status.js'

export type SourcesListResult = SourceStatus[]

export default class SourcesList extends BaseCommand<typeof SourcesList> {
  static override summary = 'List the configured sources and how their crawls went.'
  static override description = 'For each source in lianxin.yaml: its kind, schedule, whether robots.txt is honoured, the last successful run, the stored watermark of each board, feed or account, the error streak, and until when it is backed off after a block.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<SourcesListResult> {
    const statuses = await withContext({ configPath: this.flags.config }, ({ loaded, store }) => sourceStatuses(store, loaded!.config))
    for (const s of statuses) {
      const state = !s.supported ? 'no adapter yet' : !s.enabled ? 'disabled' : s.backoffUntil ? `backed off until ${s.backoffUntil}` : 'enabled'
      this.log(`${s.id}  (${s.kind}, ${s.schedule}, robots.txt ${s.robots})  ${state}`)
      this.log(`  last success: ${s.lastSuccessAt ?? 'never'}   error streak: ${s.errorStreak}${s.lastError ? `   last error: ${s.lastError}` : ''}`)
      for (const [scope, cursor] of Object.entries(s.watermarks)) this.log(`  ${scope}: ${JSON.stringify(cursor)}`)
    }
    return statuses
  }
}
