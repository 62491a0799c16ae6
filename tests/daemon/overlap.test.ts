/**
 * A source's crawl that is still going when its schedule comes round again is skipped, not
 * started twice, and the daemon's cycles go on meanwhile (the crawl runs beside them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDaemon } from '../../src/daemon/daemon.js'
import type { CycleReport } from '../../src/daemon/cycle.js'
import { daemonWorld, quietLog, type DaemonWorld } from '../helpers/daemon.js'
import { sqliteBackend, type TestStore } from '../helpers/stores.js'

describe('a crawl slower than its schedule', () => {
  let world: DaemonWorld
  let t: TestStore
  beforeAll(async () => {
    world = await daemonWorld()
    t = await sqliteBackend.open()
  }, 30_000)
  afterAll(async () => {
    await t?.cleanup()
    await world?.close()
  })

  it('is skipped while it runs, and the cycles go on', async () => {
    const config = {
      ...world.config,
      sources: world.config.sources.filter((s) => s.kind === 'weibo').map((s) => ({ ...s, schedule: '* * * * * *' })), // every second
      daemon: { ...world.config.daemon, tick: '0.2s' },
    }
    // Every Weibo page takes 1.5 s: a run of a few pages outlasts several ticks and schedules.
    world.replica.setMode('/weibo', { kind: 'slow', delayMs: 1500 })
    const reports: CycleReport[] = []
    const stop = new AbortController()
    const running = runDaemon({ store: t.store, config, baseDir: '/tmp', logger: quietLog, signal: stop.signal, onCycle: (r) => reports.push(r), overrides: { crawl: { fetcher: { backoffBaseMs: 5 } } } })
    try {
      await new Promise((resolve) => setTimeout(resolve, 5000))
    } finally {
      stop.abort()
      world.replica.setMode('/weibo', null) // the run in flight finishes quickly
    }
    await running
    const id = config.sources[0]!.id
    const started = reports.filter((r) => r.crawled.includes(id)).length
    const skipped = reports.filter((r) => r.skipped.includes(id)).length
    expect(reports.length, 'cycles went on while the crawl ran (5 s, ticks of 0.2 s)').toBeGreaterThanOrEqual(5)
    expect(skipped, 'runs skipped while the previous one was going').toBeGreaterThan(0)
    // Never two at once: one run waits for each slow page before asking the next, so the
    // replica sees the Weibo requests at least a page's delay apart; two runs would interleave.
    const arrivals = world.replica.log.filter((e) => e.path.startsWith('/weibo') && e.mode === 'slow').map((e) => e.at)
    expect(arrivals.length).toBeGreaterThan(1)
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1400)
    expect(started).toBeGreaterThanOrEqual(1)
  }, 60_000)
})
