/**
 * The daemon's loopback endpoint: `/metrics` in the Prometheus text format with what the cycles
 * did and the tickets by state; `/healthz` 200 while cycles finish without errors, 503 once the
 * loop has been stuck for ten ticks (and at least ten minutes).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { daemonLogger, runDaemon } from '../../src/daemon/daemon.js'
import { ConfigError } from '../../src/errors.js'
import { citizenCase, pingfangConfig } from '../helpers/bureau.js'
import { manualClock, sqliteBackend, type TestStore } from '../helpers/stores.js'

describe('the daemon’s /metrics and /healthz', () => {
  const clock = manualClock('2026-12-01T01:00:00.000Z')
  let t: TestStore
  beforeAll(async () => {
    t = await sqliteBackend.open({ now: clock.now })
  })
  afterAll(async () => t?.cleanup())

  it('serves the counters and the ticket states, and turns unhealthy when the loop is stuck', async () => {
    const base = pingfangConfig((doc) => {
      doc.sources = []
      doc.daemon = { tick: '30s', metricsPort: 9464 }
    })
    const config = { ...base, daemon: { ...base.daemon, metricsPort: 0 } } // any free port: the log names it
    await citizenCase(t.store)
    await citizenCase(t.store, '新伟小区违建')
    // The log says where the endpoint listens; the loop sleeps until the test lets it go.
    const lines: Array<Record<string, unknown>> = []
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
          done()
        },
      }),
    )
    const stop = new AbortController()
    let cycled!: () => void
    const firstCycle = new Promise<void>((resolve) => (cycled = resolve))
    const running = runDaemon({
      store: t.store,
      config,
      baseDir: '/tmp',
      logger,
      signal: stop.signal,
      onCycle: () => cycled(),
      sleep: (_ms, signal) => new Promise((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true })),
    })
    try {
      await firstCycle
      const url = String(lines.find((l) => l.msg === 'daemon started')?.metrics)
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

      const healthy = await fetch(`${url}/healthz`)
      expect(healthy.status).toBe(200)
      expect(await healthy.json()).toMatchObject({ ok: true, lastCycleOk: true, stale: false, lastCycleAt: '2026-12-01T01:00:00.000Z' })

      const metrics = await fetch(`${url}/metrics`)
      expect(metrics.headers.get('content-type')).toContain('text/plain')
      const text = await metrics.text()
      expect(text).toMatch(/^lianxin_cycles_total\{outcome="ok"\} 1$/m)
      expect(text).toMatch(/^lianxin_tickets\{status="received"\} 2$/m)
      expect(text).toContain('# TYPE lianxin_notifications_total counter')
      expect((await fetch(`${url}/nothing`)).status).toBe(404)

      clock.advance(9 * 60_000) // 18 ticks of 30 s, but less than ten minutes: not yet stuck
      expect((await fetch(`${url}/healthz`)).status).toBe(200)
      clock.advance(2 * 60_000)
      const stuck = await fetch(`${url}/healthz`)
      expect(stuck.status).toBe(503)
      expect(await stuck.json()).toMatchObject({ ok: false, lastCycleOk: true, stale: true })
    } finally {
      stop.abort()
    }
    const summary = await running
    expect(summary.cycles).toBe(1)
    await expect(fetch(`${summary.metricsUrl}/healthz`)).rejects.toThrow() // closed with the daemon
  }, 60_000)
})

describe('the daemon’s log', () => {
  it('goes to daemon.logFile as JSON lines, at LIANXIN_LOG_LEVEL, and a level it does not know is a config error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lianxin-log-'))
    const t = await sqliteBackend.open()
    try {
      const config = pingfangConfig((doc) => {
        doc.sources = []
        doc.daemon = { tick: '30s', logFile: 'logs/daemon.log' }
      })
      const file = join(dir, 'logs', 'daemon.log')
      await runDaemon({ store: t.store, config, baseDir: dir, once: true, env: { LIANXIN_LOG_LEVEL: 'warn' } })
      expect(readFileSync(file, 'utf8')).toBe('') // nothing went wrong: nothing at warn
      await runDaemon({ store: t.store, config, baseDir: dir, once: true, env: {} })
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number })
      expect(lines.map((l) => l.msg)).toEqual(['daemon started', 'cycle done', 'daemon stopped'])
      expect(() => daemonLogger(config, dir, { LIANXIN_LOG_LEVEL: 'verbose' })).toThrow(ConfigError)
      expect(() => daemonLogger(config, dir, { LIANXIN_LOG_LEVEL: 'verbose' })).toThrow('LIANXIN_LOG_LEVEL=verbose is not a log level; use one of')
    } finally {
      await t.cleanup()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

