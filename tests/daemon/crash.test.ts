/**
 * Issue #6, on SQLite: the real `lianxin daemon` (built CLI) is killed with SIGKILL at random
 * moments and restarted, again and again, while the replica publishes new posts and two replies
 * are signed off; then it runs once more undisturbed. Nothing may be lost and nothing done twice:
 * posts, triage, tickets, clock alerts, notifications, published replies; the log stays intact.
 *
 * The one repeat allowed is the window the outbox documents (src/daemon/outbox.ts): a daemon
 * killed after a platform answered but before the commit that records it sends that message
 * again once the row's claim is given up. Sent again as it was, the webhook receiver drops it by
 * its Idempotency-Key (`duplicates`); merged into a digest with other rows, it arrives again
 * under the new digest's key. Either way the checks allow a repeat only for an outbox row that
 * was claimed more than once, and never a loss. A reply published in that window is sent again
 * with the same Idempotency-Key and the portal stores it once (its `repeats` show the resend).
 *
 * LIANXIN_CRASH_SEED=<n> replays a run's kill moments.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCaptureServers, type CaptureServers } from '../../fixtures/capture/index.js'
import { startReplica, type Replica } from '../../fixtures/replica/server.js'
import type { LianxinConfig } from '../../src/config/index.js'
import { mulberry32 as prng } from '../../src/prng.js'
import { Store } from '../../src/store/store.js'
import { runCli } from '../helpers/cli.js'
import { cycleReports, sleep, startDaemon, waitUntil, writeDaemonConfig, type CliProcess } from '../helpers/daemon-cli.js'
import { checkLedger, settled } from '../helpers/daemon-invariants.js'
import { approveOneTicket, registerSigners, type SignerKeys } from '../helpers/daemon-signoff.js'
import { startReplyReceiver, type ReplyReceiver } from '../helpers/reply-receiver.js'

const ROUNDS = Number(process.env.LIANXIN_CRASH_ROUNDS ?? 10)
/** Longer than the short clock (accept 2 s, +3 s to escalate), shorter than the others (1 h). */
const SHORT_CLOCKS_MS = 10 * 60_000
/**
 * Who gets what, to stay under the bots' 20 messages a minute per daemon process and the
 * outbox's 18 per run (more wait a minute): WeCom (`to: zhangwei`, the staff member who gets the
 * warnings of tickets without a lead unit yet, and here the 特急 posts) the warnings, in digests,
 * and the 特急 posts; the webhook (`to: wangqu`, the supervising leader) the escalations, one by
 * one. Breaches are recorded but reach neither. (Not `events:` filters: a channel with one
 * refuses the outbox's digests; see the report of this test.)
 */
const CHANNELS = { wecom: { to: ['zhangwei'] }, hook: { to: ['wangqu'] } }
const urgentToStaff = (doc: Record<string, unknown>) => {
  doc.notify = { ...(doc.notify as object), urgentTo: ['zhangwei'] }
}
const takes = (channel: string, key: string): boolean => (channel === 'hook' ? /:escalate(:r\d+)?$/.test(key) : key.startsWith('urgent:') || /:warning(:r\d+)?$/.test(key))

describe('lianxin daemon killed with SIGKILL at random moments and restarted (SQLite, real CLI)', () => {
  let replica: Replica
  let capture: CaptureServers
  let replies: ReplyReceiver
  let dir: string
  let file: string
  let config: LianxinConfig
  /** The same store, opened by the test after the first daemon created it (so a kill may land mid-migration). */
  let store: Store
  const runs: CliProcess[] = []

  beforeAll(async () => {
    replica = await startReplica({ port: 0, crawlDelay: 0 })
    capture = await startCaptureServers()
    replies = await startReplyReceiver('reply-secret')
    dir = mkdtempSync(join(tmpdir(), 'lianxin-daemon-crash-'))
    ;({ file, config } = writeDaemonConfig(dir, { replicaUrl: replica.url, capture, replies, channels: CHANNELS, change: urgentToStaff }))
  })
  afterAll(async () => {
    for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL')
    await Promise.all(runs.map((run) => run.exit))
    await store?.close()
    await Promise.all([replica?.close(), capture?.close(), replies?.close()])
    if (dir && !process.env.LIANXIN_KEEP_CRASH_DIR) rmSync(dir, { recursive: true, force: true })
  })

  /** Everything the undisturbed daemon has to do is done, and no short clock has an alert left to come. */
  const done = (since: Date, approved: readonly number[], putOffAllowed = false) => settled(store, config, since, approved, new Date(Date.now() + SHORT_CLOCKS_MS), { putOffAllowed })

  it('loses no post, ticket, clock alert, notification or reply, and does none twice', async () => {
    const began = Date.now()
    const seed = Number(process.env.LIANXIN_CRASH_SEED ?? Date.now() % 100_000)
    const random = prng(seed)
    const approved: number[] = []
    let keys: SignerKeys | undefined
    let kills = 0
    let killedRunning = 0

    for (let round = 0; round < ROUNDS; round++) {
      const run = startDaemon(file, dir)
      runs.push(run)
      // A quarter of the kills land anywhere from boot on (migrating, taking the lock, loading
      // the model); the rest in the first cycles of a running daemon: crawling, triaging,
      // recording alerts, publishing, sending.
      if (random() < 0.25) {
        await Promise.race([sleep(150 + random() * 1350), run.exit])
      } else {
        const up = await run.started
        expect(up, `seed ${seed}, round ${round}: the restarted daemon did not start (a killed daemon must not keep the store locked):\n${run.text().slice(-2000)}`).toBe(true)
        killedRunning += 1
        await Promise.race([sleep(random() * 1500), run.exit])
      }
      run.child.kill('SIGKILL')
      const exit = await run.exit
      expect(exit.signal, `seed ${seed}, round ${round}: the daemon exited by itself (code ${exit.code}):\n${run.text().slice(-2000)}`).toBe('SIGKILL')
      kills += 1
      store ??= await Store.open({ url: `sqlite:${join(dir, 'lianxin.sqlite')}` })

      // New work while it is down: new threads and posts, old threads move on.
      replica.addItems(1 + Math.floor(random() * 2), 'liuyan')
      replica.addItems(1, 'weibo')
      // Two replies are signed off between kills; the daemon publishes them in a later round.
      if ((round === 2 || round === 5) && approved.length < 2) {
        keys ??= await registerSigners(store, config)
        const id = await approveOneTicket(store, config, keys, approved)
        if (id !== undefined) approved.push(id)
      }
    }
    if (approved.length < 2) {
      keys ??= await registerSigners(store, config)
      const id = await approveOneTicket(store, config, keys, approved)
      if (id !== undefined) approved.push(id)
    }
    expect(approved, `seed ${seed}`).toHaveLength(2)

    // Then undisturbed: full cycles with `daemon --once` (each exits cleanly) until nothing is
    // due (every short clock has had its alerts), then a normal run, which also sends what the
    // outbox put off for a minute, until everything is done; SIGTERM stops it.
    const since = new Date()
    const phases: Record<string, number> = { rounds: Math.round((since.getTime() - began) / 1000) }
    let onceRuns = 0
    while (onceRuns < 8 && !(await done(since, approved, true))) {
      const once = await runCli(['daemon', '--once', '--config', file], { cwd: dir, timeoutMs: 90_000 })
      expect(once.code, once.stderr.slice(-2000)).toBe(0)
      onceRuns += 1
    }
    phases.once = Math.round((Date.now() - since.getTime()) / 1000)
    const last = startDaemon(file, dir)
    runs.push(last)
    expect(await last.started, last.text().slice(-2000)).toBe(true)
    const finished = await waitUntil(async () => cycleReports(last).length >= 5 && (await done(since, approved)), 75_000, 300)
    last.child.kill('SIGTERM')
    const stopped = await last.exit
    expect(stopped.code, last.text().slice(-2000)).toBe(0)
    expect(finished, `seed ${seed}: the undisturbed daemon did not finish its work:\n${last.text().slice(-3000)}`).toBe(true)
    phases.final = Math.round((Date.now() - since.getTime()) / 1000) - phases.once
    const reports = cycleReports(last)
    const final = reports.at(-1)!
    expect(reports.flatMap((r) => r.errors)).toEqual([])

    // The posts are exactly those an uninterrupted crawl of the replica finds now.
    const reference = writeDaemonConfig(dir, { replicaUrl: replica.url, capture, replies, channels: CHANNELS, change: urgentToStaff, database: { url: 'sqlite:reference.sqlite' } }, 'reference.yaml')
    const crawled = await runCli(['crawl', '--config', reference.file, '--json'], { cwd: dir, timeoutMs: 60_000 })
    expect(crawled.code, crawled.stderr).toBe(0)
    const ref = await Store.open({ url: `sqlite:${join(dir, 'reference.sqlite')}` })
    const expected = (await ref.db.selectFrom('posts').select(['source_id', 'external_id']).execute()).map((p) => `${p.source_id} ${p.external_id}`).sort()
    await ref.close()
    const got = (await store.db.selectFrom('posts').select(['source_id', 'external_id']).execute()).map((p) => `${p.source_id} ${p.external_id}`).sort()
    expect(got, `seed ${seed}: posts after the kills vs an uninterrupted crawl`).toEqual(expected)

    const ledger = await checkLedger({ store, config, capture, replies, clocksAt: new Date(final.at), approved, takes })
    expect(ledger.published).toHaveLength(2)
    expect(ledger.alerts).toBeGreaterThan(0)

    // The log is intact.
    const audit = await runCli(['audit', 'verify', '--config', file], { cwd: dir })
    expect(audit.code, audit.stderr).toBe(0)

    const summary = {
      seed,
      kills,
      killedRunning,
      onceRuns,
      phases,
      seconds: Math.round((Date.now() - began) / 1000),
      ...ledger,
      reclaimed: ledger.reclaimed.length,
      webhookRepeats: ledger.webhookRepeats.length,
      webhookDuplicates: capture.webhook.duplicates.length,
      wecomMessages: capture.wecom.received.length,
    }
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2))
    console.log(`daemon crash test: ${JSON.stringify(summary)}`)
  }, 240_000)
})
