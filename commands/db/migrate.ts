import { BaseCommand } from '../../src/cli/base-command.js'
import { withContext } from '../../src/cli/context.js'

export type DbMigrateResult = {
  database: string
  applied: string[]
  current: string | undefined
}

export default class DbMigrate extends BaseCommand<typeof DbMigrate> {
  static override summary = 'Bring the store up to the latest schema.'
  static override description = `Applies every pending migration to the store named by LIANXIN_DATABASE_URL, database.url in lianxin.yaml, or the default SQLite file beside it. Migrations also run automatically the first time any command opens the store; this command is for doing it on purpose (before a deploy, say) and seeing what changed. Safe to run twice and from two machines at once.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'LIANXIN_DATABASE_URL=postgres://lianxin@127.0.0.1/lianxin <%= config.bin %> <%= command.id %> --json',
  ]

  public async run(): Promise<DbMigrateResult> {
    const result = await withContext({ configPath: this.flags.config, configRequired: false, migrate: false }, async ({ store }) => {
      const report = await store.migrate()
      return { database: store.describe(), ...report }
    })
    this.log(result.applied.length === 0 ? `${result.database}: up to date (${result.current})` : `${result.database}: applied ${result.applied.join(', ')}`)
    return result
  }
}
