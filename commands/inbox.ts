import { CaseCommand, asFlag } from '../src/cli/case-command.js'
import { inboxFor, type Inbox } from '../src/tickets/inbox.js'
import { renderInbox } from '../src/tickets/render.js'

export default class InboxCommand extends CaseCommand<typeof InboxCommand> {
  static override summary = 'What is waiting for you: cases to take on, your unit\'s sub-tasks, replies to sign.'
  static override description = `Staff see the cases to accept, assign, characterise, answer, publish and close; handlers the open sub-tasks of their zone or department; the bureau head and the supervising leader the replies waiting for their signature (never their own drafts) and findings to approve. Each line names the clock the step runs against, the time left (OVERDUE when past) and the command that does it. Overdue and soonest due come first.`
  static override examples = ['<%= config.bin %> <%= command.id %> --as liuju', 'LIANXIN_USER=zhaomin <%= config.bin %> <%= command.id %> --json']
  static override flags = { as: asFlag }

  public async run(): Promise<Inbox> {
    const { inbox, text } = await this.withCase(async ({ store, ctx, config, actor }) => {
      const inbox = await inboxFor(store, ctx, actor(), store.now())
      return { inbox, text: renderInbox(inbox, config) }
    })
    this.log(text)
    return inbox
  }
}
