/**
 * `npm run bench`: every benchmark, each printing its figures and a ratio against a baseline
 * measured in the same run. `npm run bench -- crawl` runs one.
 */
import { crawlBench } from './crawl.js'

const suites: Record<string, () => Promise<string[]>> = {
  crawl: () => crawlBench(),
  topic: async () => (await import('./topic.js')).topicBench(),
  triage: async () => (await import('./triage.js')).triageBench(),
  appeal: async () => (await import('./appeal.js')).appealBench(),
  dedup: async () => (await import('./dedup.js')).dedupBench(),
  'hotspots-teddy': async () => (await import('./hotspots-teddy.js')).hotspotsTeddyBench(),
  daemon: async () => (await import('./daemon.js')).daemonBench(),
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const names = wanted.length > 0 ? wanted : Object.keys(suites)
for (const name of names) {
  const suite = suites[name]
  if (!suite) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(suites).join(', ')}`)
    process.exit(2)
  }
  console.log(`== ${name}`)
  for (const text of await suite()) console.log(text)
}
