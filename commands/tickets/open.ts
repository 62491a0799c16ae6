import { Args, Flags } from '@oclif/core'
import { CaseCommand, asFlag } from '../../src/cli/case-command.js'
import { openTicketForPost } from '../../src/tickets/actions.js'

/** The case opened. */
export interface TicketsOpenResult {
  ticket: number
  post: number
  status: string
  lead: string | null
  created: boolean
}

export default class TicketsOpen extends CaseCommand<typeof TicketsOpen> {
  static override summary = 'Open a case for a post that triage only watched.'
  static override description = `Self-media posts (Weibo, WeChat) open a case only when they read as a citizen's appeal; notices, news and thanks are triaged and watched. When one of them is a complaint after all, open its case here: it is routed as triage proposed, and the five clocks start now. Staff, the bureau head or an admin may open cases.`
  static override examples = ['<%= config.bin %> <%= command.id %> 231 --reason "网友在评论区反映停水三天" --as zhangwei']
  static override args = { post: Args.integer({ name: 'POST', description: 'Post id (as "lianxin triage" and "lianxin hotspots --json" show it).', required: true, min: 1 }) }
  static override flags = { as: asFlag, reason: Flags.string({ description: 'Why this post needs a case (kept on record).', required: true }) }

  public async run(): Promise<TicketsOpenResult> {
    const { ticket, created } = await this.withCase(async ({ store, actor }) => openTicketForPost(store, this.args.post, actor(), this.flags.reason))
    this.log(`Ticket #${ticket.id} opened for post ${this.args.post} (${ticket.status}${ticket.lead ? `, lead ${ticket.lead}` : ''}).`)
    return { ticket: ticket.id, post: this.args.post, status: ticket.status, lead: ticket.lead, created }
  }
}
