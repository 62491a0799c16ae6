import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { characteriseTicket, decideCharacterisation } from '../../src/tickets/actions.js'
import { CHARACTERISATION_KINDS } from '../../src/tickets/workflow/index.js'

export default class TicketsCharacterise extends CaseCommand<typeof TicketsCharacterise> {
  static override summary = 'Characterise a case (一周定性), or decide on an "unreasonable" finding.'
  static override description = `Kinds: petition (a petition in scope), out-of-scope, duplicate (of --duplicate-of N), unreasonable (an unreasonable demand, which takes effect only when a bureau head approves it: run again with --approve or --reject-finding REASON as the bureau head).

Stops the characterise clock once the finding is in effect.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 12 --kind petition --as zhangwei',
    '<%= config.bin %> <%= command.id %> 14 --kind duplicate --duplicate-of 12 --as zhangwei',
    '<%= config.bin %> <%= command.id %> 15 --kind unreasonable --note "要求超出政策范围" --as zhangwei',
    '<%= config.bin %> <%= command.id %> 15 --approve --as liuju',
  ]
  static override args = { id: ticketArg }
  static override flags = {
    as: asFlag,
    kind: Flags.string({ description: 'What the case is.', options: [...CHARACTERISATION_KINDS], exactlyOne: ['kind', 'approve', 'reject-finding'] }),
    'duplicate-of': Flags.integer({ description: 'The ticket this one duplicates (with --kind duplicate).', min: 1 }),
    note: Flags.string({ description: 'Grounds for the finding.' }),
    approve: Flags.boolean({ description: 'As bureau head: approve the pending "unreasonable" finding.' }),
    'reject-finding': Flags.string({ description: 'As bureau head: reject the pending finding, with this reason.' }),
  }

  public async run(): Promise<ActOutput> {
    const { flags } = this
    const id = this.args.id
    const result = await this.withCase(async ({ store, ctx, actor }) => {
      if (flags.approve || flags['reject-finding'] !== undefined) {
        return decideCharacterisation(store, ctx, { id, actor: actor(), ...(flags['reject-finding'] !== undefined ? { reject: flags['reject-finding'] } : {}) })
      }
      return characteriseTicket(store, ctx, {
        id,
        actor: actor(),
        kind: flags.kind ?? '',
        ...(flags['duplicate-of'] !== undefined ? { duplicateOf: flags['duplicate-of'] } : {}),
        ...(flags.note !== undefined ? { note: flags.note } : {}),
      })
    })
    const finding = result.state.characterisation
    return this.reportAct(result, finding ? `characterised as ${finding.kind}${finding.status === 'pending-approval' ? ', waiting for the bureau head' : ''}` : 'finding rejected; characterise again')
  }
}
