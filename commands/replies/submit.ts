import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { submitReply } from '../../src/replies/service.js'

export default class RepliesSubmit extends CaseCommand<typeof RepliesSubmit> {
  static override summary = 'Submit the current reply draft for signature.'
  static override description = 'It goes to the bureau head first, then to the supervising leader. Every sub-task of the assignment must be done; a rejected version cannot be submitted again (draft a new one).'
  static override examples = ['<%= config.bin %> <%= command.id %> 12 --as zhangwei']
  static override args = { id: ticketArg }
  static override flags = { as: asFlag }

  public async run(): Promise<ActOutput> {
    const result = await this.withCase(async ({ store, ctx, actor }) => submitReply(store, ctx, this.args.id, actor()))
    return this.reportAct(result, `reply version ${result.state.draft?.version ?? '?'} submitted`)
  }
}
