import { Flags } from '@oclif/core'
import { BaseCommand } from '../src/cli/base-command.js'
import { withContext } from '../src/cli/context.js'
import { explain } from '../src/triage/engine.js'
import { createEngine, createMatcher } from '../src/triage/factory.js'
import { triagePending, type TriageRunSummary } from '../src/triage/run.js'

export type TriageCommandResult = Omit<TriageRunSummary, 'posts'> & {
  posts: Array<{ postId: number; version: number; outcome: string; ticketId: number | null; duplicateOf: number | null; topic: string; urgency: string; lead: string }>
}

export default class Triage extends BaseCommand<typeof Triage> {
  static override summary = 'Triage every post not yet triaged, and open or link its case.'
  static override description = `For each new post (or new version of a post): jieba tokenization, topic, urgency with the cues that fired, place (street or town, community) and "10+N" routing (the lead zone or department and the assisting departments), then near-duplicate matching. A post that repeats an earlier complaint, from any source, is linked to that case; otherwise a message-board letter opens a ticket, a Weibo or WeChat post opens one when it reads as a citizen's appeal (or is 特急), and notices, news and thanks are only watched (open one by hand with "lianxin tickets open POST"). Running it twice changes nothing the second time.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --explain',
    '<%= config.bin %> <%= command.id %> --json | jq ".posts[] | select(.urgency == \\"特急\\")"',
  ]
  static override flags = {
    explain: Flags.boolean({ description: 'Print why each post got its topic, urgency and owner.' }),
    model: Flags.string({ description: 'Topic model file (default: the shipped classifiers/models/topic-default.json).' }),
  }

  public async run(): Promise<TriageCommandResult> {
    const summary = await withContext({ configPath: this.flags.config }, async ({ loaded, store }) => {
      const engine = await createEngine(loaded!.config, this.flags.model ? { modelPath: this.flags.model } : {})
      return triagePending(store, engine, createMatcher(engine), { onProgress: (done, total) => this.progress(`triaged ${done}/${total}`) })
    })
    for (const p of summary.posts) {
      const where = p.ticketId === null ? 'watched' : `${p.outcome} #${p.ticketId}${p.duplicateOf !== null ? ` (same as post ${p.duplicateOf})` : ''}`
      this.log(`post ${p.postId} v${p.version}: ${p.result.topic.label} · ${p.result.urgency.level} · ${p.result.routing.lead.name} → ${where}`)
      if (this.flags.explain) for (const line of explain(p.result)) this.log(`    ${line}`)
    }
    this.log(`triaged ${summary.triaged}: ${summary.ticketsOpened} tickets opened, ${summary.duplicates} linked as duplicates, ${summary.attached} revisions of open cases, ${summary.watched} watched`)
    return {
      ...summary,
      posts: summary.posts.map((p) => ({
        postId: p.postId,
        version: p.version,
        outcome: p.outcome,
        ticketId: p.ticketId,
        duplicateOf: p.duplicateOf,
        topic: p.result.topic.label,
        urgency: p.result.urgency.level,
        lead: p.result.routing.lead.id,
      })),
    }
  }
}
