import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg } from '../../src/cli/case-command.js'
import { confirmPublished } from '../../src/replies/publish.js'

export default class RepliesConfirmPublished extends CaseCommand<typeof RepliesConfirmPublished> {
  static override summary = 'Record that an exported reply is on the board, after checking the crawled text matches.'
  static override description = 'Crawl the board first ("lianxin crawl --source …"): lianxin compares the reply it read back from the thread with the approved text (spaces and line breaks the board re-wraps are tolerated and reported) and refuses if they differ.'
  static override examples = ['<%= config.bin %> <%= command.id %> 12 --url "http://liuyan.people.com.cn/threads/content?tid=26239890" --as zhangwei']
  static override args = { id: ticketArg }
  static override flags = { as: asFlag, url: Flags.string({ description: 'The thread address, as the crawler stored it.', required: true }) }

  public async run(): Promise<{ ticket: number; version: number; url: string; match: string; status: string }> {
    const result = await this.withCase(async ({ store, ctx, actor }) => confirmPublished(store, ctx, { ticketId: this.args.id, actor: actor(), url: this.flags.url }))
    this.log(`Ticket #${result.ticketId}: version ${result.version} confirmed on the board (${result.match === 'exact' ? 'exact text' : 'same text, whitespace differs'}); now ${result.state.status}.`)
    return { ticket: result.ticketId, version: result.version, url: result.url, match: result.match, status: result.state.status }
  }
}
