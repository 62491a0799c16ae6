import { Flags } from '@oclif/core'
import { createTokenizer, userWordsFromConfig } from '../classifiers/tokenize.js'
import { BaseCommand } from '../src/cli/base-command.js'
import { withContext } from '../src/cli/context.js'
import { findHotspots, type Hotspot } from '../src/triage/hotspots.js'

export interface HotspotsResult {
  /** End of the window (the store's clock), ISO-8601. */
  now: string
  days: number
  minSize: number
  hotspots: Hotspot[]
}

export default class Hotspots extends BaseCommand<typeof Hotspots> {
  static override summary = 'Show the hotspots: one problem reported many times in one place.'
  static override description = `Clusters the posts of the last --days days (by publication time) into hotspots: near-duplicates (the same complaint on several sites, reposts, quotes) and posts with the same topic in the same community. Each hotspot shows its topic and place, how many posts it has in the window and in the window before, its sources, when it was first and last seen, and three representative titles, so that one complaint leads to its siblings across the district (举一反三).

Hotspots are ranked by score = size + growth + engagement + urgency: size log2(1 + posts), growth log2 of this window's posts over the previous window's (each + 1, between −2 and 3), engagement half of log10(1 + reposts + comments + likes + favorites), urgency 2 if a post is 特急 (1 if 紧急) plus the share of urgent posts. Topics, places and urgency come from the triage results; untriaged posts join only through near-duplicates.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --days 30 --min-size 3 --limit 10',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override flags = {
    days: Flags.integer({ char: 'd', description: 'Length of the window in days (the window before it gives the growth).', default: 7, min: 1 }),
    'min-size': Flags.integer({ description: 'Fewest posts in the window for a hotspot.', default: 2, min: 1 }),
    limit: Flags.integer({ char: 'n', description: 'Show at most this many hotspots.', default: 20, min: 1 }),
  }

  public async run(): Promise<HotspotsResult> {
    const { flags } = this
    const result = await withContext({ configPath: flags.config }, async ({ loaded, store }) => {
      const tokenizer = createTokenizer({ userWords: userWordsFromConfig(loaded!.config) })
      const now = store.now()
      const hotspots = await findHotspots(store, { days: flags.days, now, minSize: flags['min-size'], limit: flags.limit, tokenizer })
      const zones = new Map(loaded!.config.zones.map((z) => [z.id, z.name]))
      return { result: { now: now.toISOString(), days: flags.days, minSize: flags['min-size'], hotspots }, zones }
    })
    const { hotspots } = result.result
    if (hotspots.length === 0) {
      this.log(`No hotspots in the last ${flags.days} days (at least ${flags['min-size']} posts on one problem in one place).`)
      return result.result
    }
    this.log(`Hotspots of the last ${flags.days} days (to ${result.result.now.slice(0, 16).replace('T', ' ')} UTC), best first:`)
    hotspots.forEach((h, k) => {
      const place = [h.place.zoneId ? (result.zones.get(h.place.zoneId) ?? h.place.zoneId) : null, h.place.community].filter(Boolean).join(' ') || '(no place)'
      const sources = Object.entries(h.sources).map(([s, n]) => `${s} ${n}`).join(', ')
      this.log(`${String(k + 1).padStart(2)}. ${h.topic ?? '(no topic)'} · ${place}`)
      this.log(`    posts ${h.postCount} (previous window ${h.previousCount})   engagement ${h.engagement}   urgent ${h.urgent}   score ${h.score.total.toFixed(2)} ` +
        `(size ${h.score.size.toFixed(2)}, growth ${h.score.growth.toFixed(2)}, engagement ${h.score.engagement.toFixed(2)}, urgency ${h.score.urgency.toFixed(2)})`)
      this.log(`    seen ${h.firstSeen.slice(0, 16).replace('T', ' ')} .. ${h.lastSeen.slice(0, 16).replace('T', ' ')}   sources ${sources}`)
      for (const title of h.titles) this.log(`    · ${title}`)
    })
    return result.result
  }
}
