import { createInterface } from 'node:readline/promises'
import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { RefusedError, UsageError } from '../../src/errors.js'
import { renderBrief } from '../../src/replies/render.js'
import { approvalBrief, approveReply } from '../../src/replies/service.js'
import { loadPrivateKey } from '../../src/signing/keys.js'
import { getPassphrase } from '../../src/signing/passphrase.js'

export default class RepliesApprove extends CaseCommand<typeof RepliesApprove> {
  static override summary = 'Read a reply and sign it off (bureau head first, then the supervising leader).'
  static override description = `Shows the citizen's post, the routing, the draft and its history, and the reply check; then, once you confirm, signs with your key a hash of (ticket, draft version, exact text). Your passphrase is asked at the prompt (or taken from $LIANXIN_PASSPHRASE). Decisions are final; any later edit of the text voids the signature.

Without a terminal, pass --yes after reading the reply with "lianxin replies show ID" and --version N to say which version you read.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 12 --as liuju',
    'LIANXIN_PASSPHRASE=… <%= config.bin %> <%= command.id %> 12 --version 2 --yes --as wangqu --json',
  ]
  static override args = { id: ticketArg }
  static override flags = {
    as: asFlag,
    yes: Flags.boolean({ description: 'Sign without asking (you read the reply with "replies show").' }),
    version: Flags.integer({ description: 'The version you read; refused if the current draft is another one.', min: 1 }),
  }

  public async run(): Promise<ActOutput> {
    const { flags } = this
    const result = await this.withCase(async ({ store, ctx, config, actor }) => {
      const approver = actor()
      const brief = await approvalBrief(store, this.args.id)
      if (!this.jsonEnabled()) this.log(renderBrief(brief, config))
      const draft = brief.draft
      if (!brief.role || !draft) throw new RefusedError(`ticket #${this.args.id} is ${brief.state.status}; no reply waits for a signature`, { code: 'wrong-state' })
      if (flags.version !== undefined && flags.version !== draft.version) {
        throw new RefusedError(`you read version ${flags.version}, but the current draft is version ${draft.version}; read it again`, { code: 'stale-version' })
      }
      if (!flags.yes) await this.confirm(`Sign version ${draft.version} of ticket #${this.args.id} as ${brief.role}? Type yes: `)
      const passphrase = await getPassphrase({ prompt: `Passphrase for ${approver}'s key: ` })
      const key = loadPrivateKey({ user: approver, passphrase })
      return approveReply(store, ctx, { ticketId: this.args.id, approver, version: draft.version, textSha256: draft.textSha256, privateKey: key.privateKey, fingerprint: key.fingerprint })
    })
    return this.reportAct(result, `signed version ${result.state.draft?.version ?? '?'}`)
  }

  private async confirm(question: string): Promise<void> {
    if (!process.stdin.isTTY) throw new UsageError('there is no terminal to confirm on; read the reply with "lianxin replies show ID", then pass --yes --version N')
    const rl = createInterface({ input: process.stdin, output: process.stderr })
    const answer = await rl.question(question)
    rl.close()
    if (answer.trim().toLowerCase() !== 'yes') throw new UsageError('not signed (you did not type yes)')
  }
}
