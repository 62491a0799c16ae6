/**
 * Issue #6, several daemons: two real `lianxin daemon` processes (built CLI) on one PostgreSQL
 * schema share the work through per-step leases and `FOR UPDATE SKIP LOCKED`, while the replica
 * publishes new posts and two replies are signed off: every post is triaged once, every ticket
 * opened once, every notification sent once per channel, every reply published once, and both
 * daemons did some of it. On SQLite a second daemon is kept out with a clear message.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCaptureServers, type CaptureServers } from '../../fixtures/capture/index.js'
import { startReplica, type Replica } from '../../fixtures/replica/server.js'
import type { LianxinConfig } from '../../src/config/index.js'
import { Store } from '../../src/store/store.js'
import { listTickets } from '../../src/store/tickets.js'
import { runCli } from '../helpers/cli.js'
import { cycleReports, sleep, startDaemon, waitUntil, writeDaemonConfig, type CliProcess } from '../helpers/daemon-cli.js'
import { checkLedger, settled } from '../helpers/daemon-invariants.js'
import { approveOneTicket, registerSigners, type SignerKeys } from '../helpers/daemon-signoff.js'
import { startReplyReceiver, type ReplyReceiver } from '../helpers/reply-receiver.js'
import { dropSchema, TEST_PG_URL } from '../helpers/stores.js'

/**
 * The webhook (`to: zhangwei, wangqu`) gets the warnings, in digests, and the 特急 posts; WeCom
 * (`to: wangqu`) the 特急 posts. No escalation within the test (a breach is escalated after an
 * hour), so two daemons stay well under the bots' 20 messages a minute and the outbox's 18 a run.
 */
const CHANNELS = { wecom: { to: ['wangqu'] }, hook: { to: ['zhangwei', 'wangqu'] } }
const noEscalation = (doc: Record<string, unknown>) => {
  doc.sla = { ...(doc.sla as object), escalateAfterBreach: '1h' }
}
const takes = (channel: string, key: string): boolean => key.startsWith('urgent:') || (channel === 'hook' && /:warning(:r\d+)?$/.test(key))
const HORIZON_MS = 10 * 60_000

/** What a daemon did, from its `cycle done` and `crawled` log lines. */
function workOf(run: CliProcess): { cycles: number; crawls: number; triaged: number; alerts: number; sent: number; published: number } {
  const reports = cycleReports(run)
  const sum = (f: (r: (typeof reports)[number]) => number) => reports.reduce((n, r) => n + f(r), 0)
  return {
    cycles: reports.length,
    crawls: run.logs().filter((l) => l.msg === 'crawled').length,
    triaged: sum((r) => r.triaged),
    alerts: sum((r) => r.alerts),
    sent: sum((r) => r.delivery.sent),
    published: sum((r) => r.published),
  }
}

describe('lianxin daemons side by side (real CLI)', () => {
  let replica: Replica
  let capture: CaptureServers
  let replies: ReplyReceiver
  let dir: string

  beforeAll(async () => {
    replica = await startReplica({ port: 0, crawlDelay: 0 })
    capture = await startCaptureServers()
    replies = await startReplyReceiver('reply-secret')
    dir = mkdtempSync(join(tmpdir(), 'lianxin-daemons-'))
  })
  afterAll(async () => {
    await Promise.all([replica?.close(), capture?.close(), replies?.close()])
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  describe('two daemons on one PostgreSQL', () => {
    const schema = `lianxin_test_${randomBytes(5).toString('hex')}`
    let store: Store
    let file: string
    let config: LianxinConfig
    let keys: SignerKeys
    const runs: CliProcess[] = []

    beforeAll(async () => {
      ;({ file, config } = writeDaemonConfig(dir, { replicaUrl: replica.url, capture, replies, channels: CHANNELS, change: noEscalation, database: { url: TEST_PG_URL, schema } }, 'postgres.yaml'))
      // Migrated here, before the daemons start; the signers' keys registered by admin.
      store = await Store.open({ url: TEST_PG_URL, schema })
      keys = await registerSigners(store, config)
    })
    afterAll(async () => {
      for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL')
      await store?.close()
      await dropSchema(schema)
    })

    it('share the work: every post triaged once, every notification sent once, every reply published once', async () => {
      const began = Date.now()
      const a = startDaemon(file, dir)
      const b = startDaemon(file, dir)
      runs.push(a, b)
      for (const run of [a, b]) expect(await run.started, run.text().slice(-2000)).toBe(true)

      // Two replies signed off while both run, as soon as there are tickets; the first one waits
      // for the supervising leader until a daemon has asked him on both channels.
      const approved: number[] = []
      expect(await waitUntil(async () => (await listTickets(store, { status: ['received'] })).length >= 2, 45_000)).toBe(true)
      const leaderAsked = async (id: number) => {
        const rows = () => store.db.selectFrom('outbox').select('key').where('notification', '=', `sign:${id}:v1:leader`).where('status', '=', 'sent').execute()
        expect(await waitUntil(async () => (await rows()).length === 2, 30_000), `the leader was not asked to sign #${id}`).toBe(true)
      }
      for (let i = 0; i < 2; i++) {
        const id = await approveOneTicket(store, config, keys, approved, i === 0 ? leaderAsked : undefined)
        expect(id).toBeDefined()
        approved.push(id!)
      }
      // New threads and posts while they run; old threads move on.
      for (let i = 0; i < 4; i++) {
        replica.addItems(2, 'liuyan')
        replica.addItems(1, 'weibo')
        await sleep(1500)
      }
      const since = new Date()
      const finished = await waitUntil(async () => settled(store, config, since, approved, new Date(Date.now() + HORIZON_MS)), 60_000, 400)
      for (const run of [a, b]) run.child.kill('SIGTERM')
      for (const run of [a, b]) expect((await run.exit).code, run.text().slice(-2000)).toBe(0)
      expect(finished, `the daemons did not finish their work:\n${a.text().slice(-1500)}\n${b.text().slice(-1500)}`).toBe(true)
      for (const run of [a, b]) expect(cycleReports(run).flatMap((r) => r.errors)).toEqual([])

      const clocksAt = new Date(Math.min(...[a, b].map((run) => Date.parse(cycleReports(run).at(-1)!.at))))
      const ledger = await checkLedger({ store, config, capture, replies, clocksAt, approved, takes })
      // Nobody died holding anything: nothing claimed twice, nothing sent twice, nothing repeated.
      expect(ledger.reclaimed).toEqual([])
      expect(ledger.webhookRepeats).toEqual([])
      expect(capture.webhook.duplicates.map((d) => d.key)).toEqual([])
      expect(ledger.wecomExtra).toBe(0)
      expect(replies.repeats).toEqual([])
      expect(ledger.published).toHaveLength(2)
      expect(ledger.alerts).toBeGreaterThan(0)
      expect(ledger.notifications.hook).toBeGreaterThan(0)
      expect(ledger.signRequests).toContain(`sign:${approved[0]}:v1:leader@wecom-bureau`)
      expect(ledger.signRequests).toContain(`sign:${approved[0]}:v1:leader@hook`)

      // Both did some of the work.
      const work = [a, b].map(workOf)
      for (const [i, w] of work.entries()) expect(w.crawls + w.triaged + w.alerts + w.sent + w.published, `daemon ${i + 1}: ${JSON.stringify(w)}`).toBeGreaterThan(0)
      const holders = await store.db.selectFrom('outbox').select('claimed_by').select((eb) => eb.fn.countAll<number>().as('n')).groupBy('claimed_by').execute()

      const audit = await runCli(['audit', 'verify', '--config', file], { cwd: dir })
      expect(audit.code, audit.stderr).toBe(0)
      console.log(
        `two daemons on PostgreSQL: ${JSON.stringify({ seconds: Math.round((Date.now() - began) / 1000), work, outboxClaimedBy: holders.map((h) => ({ holder: h.claimed_by, rows: Number(h.n) })), ...ledger, reclaimed: ledger.reclaimed.length })}`,
      )
    }, 180_000)
  })

  describe('SQLite', () => {
    it('keeps a second daemon off the store: it exits 6 and names the one running', async () => {
      const sqliteDir = mkdtempSync(join(dir, 'sqlite-'))
      const { file } = writeDaemonConfig(sqliteDir, { replicaUrl: replica.url, capture, replies, channels: CHANNELS, change: noEscalation })
      const first = startDaemon(file, sqliteDir)
      try {
        expect(await first.started, first.text().slice(-2000)).toBe(true)
        const holder = String(first.logs().find((l) => l.msg === 'daemon started')?.holder)
        expect(holder).toContain(`:${first.pid}:`)
        const second = await runCli(['daemon', '--config', file], { cwd: sqliteDir, timeoutMs: 60_000 })
        expect(second.code, second.stderr).toBe(6)
        expect(second.stderr).toContain(`another lianxin daemon (${holder}) is running on this SQLite store`)
        expect(second.stderr).toContain('one daemon per SQLite store')
        expect(second.stderr).toMatch(/use PostgreSQL/)
        expect(first.child.exitCode).toBeNull()
      } finally {
        first.child.kill('SIGTERM')
      }
      expect((await first.exit).code, first.text().slice(-2000)).toBe(0)
      // Stopped cleanly, it gave the store back: the next daemon starts at once.
      const next = await runCli(['daemon', '--once', '--config', file], { cwd: sqliteDir, timeoutMs: 60_000 })
      expect(next.code, next.stderr.slice(-2000)).toBe(0)
    }, 120_000)
  })
})
