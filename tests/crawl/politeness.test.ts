import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { replicaProcess, type ReplicaProcess } from '../../fixtures/replica/process.js'
import { parseConfig } from '../../src/config/load.js'
import { runCrawl } from '../../src/crawl/run.js'
import { demoSources } from '../../src/demo/run.js'
import { readProfile } from '../helpers/config.js'
import { sqliteBackend, type TestStore } from '../helpers/stores.js'

describe('the replica request log shows a polite crawl', () => {
  let replica: ReplicaProcess
  let t: TestStore
  beforeAll(async () => {
    // Crawl-delay 0.15 s in robots.txt is above crawl.minIntervalMs (0.06 s): the larger one wins.
    replica = await replicaProcess({ crawlDelay: 0.15 })
    t = await sqliteBackend.open()
  })
  afterAll(async () => {
    await t.cleanup()
    await replica.close()
  })

  it('asks robots.txt first, never a disallowed path, one request at a time, at the slower of the two rates', async () => {
    const profile = readProfile()
    profile.sources = demoSources(replica.url)
    profile.crawl = { ...(profile.crawl as object), minIntervalMs: 60, userAgent: 'lianxin-polite-test/1.0' }
    const config = parseConfig(stringify(profile), 'polite.yaml')
    const summary = await runCrawl(t.store, config, { sourceIds: ['local-news', 'renmin-liuyan'], maxPages: 1 })
    expect(summary.sources.map((s) => s.status)).toEqual(['ok', 'ok'])
    expect(summary.sources.every((s) => s.robots === 'respected')).toBe(true)

    const log = (await replica.log()).filter((e) => e.ua === 'lianxin-polite-test/1.0')
    expect(log.length).toBeGreaterThan(10)
    expect(log[0]?.path).toBe('/robots.txt')
    expect(log.filter((e) => e.path === '/robots.txt')).toHaveLength(1)
    expect(log.some((e) => e.path.startsWith('/gov/private/') || e.path.startsWith('/liuyan/admin/'))).toBe(false)
    const gaps = log.slice(1).map((e, i) => e.at - log[i]!.at)
    // Crawl-delay 150 ms between request starts at the client. The server sees arrivals, which a
    // new connection's set-up or a busy machine can shift by tens of ms; without the limiter the
    // gaps would be a few ms. So: no gap near zero, the typical gap at the delay, the rate below it.
    const sorted = [...gaps].sort((a, b) => a - b)
    expect(sorted[0]).toBeGreaterThanOrEqual(75)
    expect(sorted[Math.floor(sorted.length / 2)]).toBeGreaterThanOrEqual(145)
    const seconds = (log.at(-1)!.at - log[0]!.at) / 1000
    expect(log.length / seconds).toBeLessThanOrEqual(1000 / 145)
  }, 60_000)
})
