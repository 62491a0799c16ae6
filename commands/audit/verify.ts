import { Flags } from '@oclif/core'
import { BaseCommand } from '../../src/cli/base-command.js'
import { withContext } from '../../src/cli/context.js'
import { checkChain, parseAnchor, type VerifyReport } from '../../src/audit/index.js'

export type AuditVerifyResult = VerifyReport & { database: string }

export default class AuditVerify extends BaseCommand<typeof AuditVerify> {
  static override summary = 'Check that no recorded event was changed, removed, inserted or reordered.'
  static override description = `Walks the whole hash-chained event log and recomputes every hash. If anything was tampered with, it names the first event where the damage shows and what kind it is, and exits with code 7.

The report ends with the head (seq and hash). Write it down somewhere lianxin cannot reach (a signed memo, the bureau's paper log); later, --anchor SEQ:HASH proves that nobody rewrote the log and recomputed all the hashes since.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --anchor 1200:3f1c9a… --json',
  ]
  static override flags = {
    anchor: Flags.string({
      description: 'A seq and hash recorded earlier, as SEQ:HASH; may be given several times.',
      multiple: true,
    }),
  }

  public async run(): Promise<AuditVerifyResult> {
    const anchors = (this.flags.anchor ?? []).map(parseAnchor)
    const result = await withContext({ configPath: this.flags.config, configRequired: false }, async ({ store }) => ({
      database: store.describe(),
      ...(await checkChain(store, anchors)),
    }))
    this.log(`${result.database}: ${result.events} events verified, the chain is intact.`)
    this.log(`head: ${result.head.seq}:${result.head.hash}`)
    return result
  }
}
