import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RefusedError } from '../../src/errors.js'
import { runDaemon, SQLITE_DAEMON_LEASE } from '../../src/daemon/daemon.js'
import { acquireLease } from '../../src/daemon/leases.js'
import { registerUserKey, syncConfigUsers } from '../../src/people/roster.js'
import { approveReply, draftReply } from '../../src/replies/service.js'
import { listEvents } from '../../src/store/events.js'
import { Store } from '../../src/store/store.js'
import { listTickets } from '../../src/store/tickets.js'
import { acceptTicket, assignTicket, characteriseTicket, finishSubtask } from '../../src/tickets/actions.js'
import { caseContext, loadCase } from '../../src/tickets/service.js'
import { newSigner } from '../helpers/bureau.js'
import { daemonWorld, quietLog, type DaemonWorld } from '../helpers/daemon.js'
import { manualClock, sqliteBackend, type TestStore } from '../helpers/stores.js'

const HOUR = 3600_000
const REPLY = '您好！您反映的问题，兴建街道办事处已会同区住建局现场核实，将于12月5日前处理完毕。如有疑问请致电兴建街道办事处 0451-86801234。'

describe('lianxin daemon on SQLite', () => {
  const clock = manualClock('2026-11-30T01:00:00.000Z')
  let world: DaemonWorld
  let t: TestStore
  const once = () => runDaemon({ store: t.store, config: world.config, baseDir: '/tmp', once: true, logger: quietLog })

  beforeAll(async () => {
    world = await daemonWorld({ now: () => clock.now().getTime() })
    t = await sqliteBackend.open({ now: clock.now })
  }, 30_000)
  afterAll(async () => {
    await t.cleanup()
    await world.close()
  })

  /** Every notification key the webhook received, digests opened up. */
  const webhookKeys = () =>
    world.capture.webhook.received.flatMap((m) => {
      const items = m.body.items as Array<{ key: string }> | undefined
      return items && items.length > 0 ? items.map((i) => i.key) : [String(m.body.key)]
    })

  it('crawls, triages, opens tickets and pushes 特急 posts with their cues, within the bots\' rate limit, each once', async () => {
    const summary = await once()
    const report = summary.last!
    expect(report.crawled.sort()).toEqual(['renmin-liuyan', 'weibo-pingfang'])
    expect(report.newPosts).toBeGreaterThan(10)
    expect(report.triaged).toBe(report.newPosts)
    const urgent = await t.store.db.selectFrom('triage_results').select(['post_id', 'version']).where('urgency', '=', '特急').execute()
    expect(urgent.length).toBeGreaterThan(0)
    expect(report.urgentQueued).toBe(urgent.length * 2)
    // At most 18 messages a run per channel (the bots take 20 a minute); the rest follow a minute later.
    expect(world.capture.wecom.received.length).toBeLessThanOrEqual(18)
    for (let i = 0; i < 5 && webhookKeys().length < urgent.length; i++) {
      clock.advance(60_000)
      await once()
    }
    const keys = webhookKeys().filter((k) => k.startsWith('urgent:'))
    expect(keys.sort()).toEqual(urgent.map((u) => `urgent:post:${u.post_id}:v${u.version}`).sort())
    const single = world.capture.webhook.received.find((m) => m.body.kind === 'urgent-post')!
    expect(Array.isArray(single.body.cues) && (single.body.cues as unknown[]).length > 0).toBe(true)
    expect(world.capture.wecom.received.length).toBeGreaterThan(0)
  }, 60_000)

  it('nothing is due again until the cron schedule comes round, and nothing is sent twice', async () => {
    const before = world.capture.wecom.received.length
    const report = (await once()).last!
    expect(report.crawled).toEqual([])
    expect(report.delivery.sent).toBe(0)
    expect(world.capture.wecom.received.length).toBe(before)
  }, 60_000)

  it('escalates by tier: breaches at once to the unit and the bureau, warnings in the hourly digest, the leader a day later; each alert once', async () => {
    clock.advance(2 * HOUR)
    const first = (await once()).last!
    expect(first.alerts).toBeGreaterThan(0)
    const escalated = await listEvents(t.store, { types: ['ticket.escalated'] })
    const keys = escalated.map((e) => e.key)
    expect(new Set(keys).size).toBe(keys.length)
    const tickets = await listTickets(t.store, { status: ['received'] })
    expect(tickets.length).toBeGreaterThan(0)
    // Every received ticket breached its one-hour accept clock (and was warned first).
    for (const ticket of tickets) {
      expect(keys).toContain(`ticket.escalated:clock:${ticket.id}:accept:warning`)
      expect(keys).toContain(`ticket.escalated:clock:${ticket.id}:accept:breach`)
    }
    // Breaches go out in this run or the next (18 messages a run); warnings wait for the hourly digest.
    for (let i = 0; i < 10 && !tickets.every((tk) => webhookKeys().includes(`clock:${tk.id}:accept:breach`)); i++) {
      clock.advance(60_000)
      await once()
    }
    const delivered = webhookKeys()
    for (const ticket of tickets) expect(delivered.filter((k) => k === `clock:${ticket.id}:accept:breach`)).toHaveLength(1)
    expect(delivered.filter((k) => k.endsWith(':accept:warning')), JSON.stringify(await t.store.db.selectFrom('outbox').select(['key', 'not_before', 'created_at', 'status']).where('notification', 'like', '%accept:warning').limit(3).execute())).toEqual([])
    const breach = world.capture.webhook.received.find((m) => m.body.kind === 'clock-breach')!
    const names = (m: { body: Record<string, unknown> }) => (m.body.recipients as Array<{ name: string }>).map((r) => r.name)
    expect(names(breach)).toContain('liuju')
    expect(names(breach)).not.toContain('wangqu')
    clock.advance(HOUR)
    for (let i = 0; i < 10 && !tickets.every((tk) => webhookKeys().includes(`clock:${tk.id}:accept:warning`)); i++) {
      await once()
      clock.advance(60_000)
    }
    for (const ticket of tickets) expect(webhookKeys().filter((k) => k === `clock:${ticket.id}:accept:warning`)).toHaveLength(1)
    expect(world.capture.webhook.received.some((m) => m.body.kind === 'digest')).toBe(true)
    // A day after the breach: the supervising leader.
    clock.advance(24 * HOUR)
    for (let i = 0; i < 10 && !tickets.every((tk) => webhookKeys().includes(`clock:${tk.id}:accept:escalate`)); i++) {
      await once()
      clock.advance(60_000)
    }
    const escalations = world.capture.webhook.received.filter((m) => m.body.kind === 'clock-breach' && names(m).includes('wangqu'))
    expect(escalations.length).toBeGreaterThan(0)
    for (const ticket of tickets) expect(webhookKeys().filter((k) => k === `clock:${ticket.id}:accept:escalate`)).toHaveLength(1)
    const sent = await listEvents(t.store, { types: ['notify.sent'] })
    expect(new Set(sent.map((e) => e.key)).size).toBe(sent.length)
    expect(world.capture.webhook.duplicates).toHaveLength(0)
  }, 120_000)

  it('publishes an approved reply once, with both signatures checked', async () => {
    await syncConfigUsers(t.store, world.config)
    const keys = { liuju: newSigner(), wangqu: newSigner() }
    for (const [name, signer] of Object.entries(keys)) await registerUserKey(t.store, 'admin', name, signer.publicKeyPem)
    const ctx = await caseContext(t.store, world.config)
    const [ticket] = await listTickets(t.store, { status: ['received'], limit: 1 })
    const id = ticket!.id
    await acceptTicket(t.store, ctx, id, 'zhangwei')
    const assigned = await assignTicket(t.store, ctx, world.config, { id, actor: 'zhangwei', lead: 'xingjian', assist: [] })
    for (const s of assigned.state.subtasks) await finishSubtask(t.store, ctx, { id, actor: 'zhangwei', owner: s.owner })
    await characteriseTicket(t.store, ctx, { id, actor: 'zhangwei', kind: 'petition' })
    await draftReply(t.store, ctx, { ticketId: id, author: 'zhangwei', text: REPLY, submit: true })
    /** The sign requests the webhook received for this ticket: [key, recipients]. */
    const signRequests = () =>
      world.capture.webhook.received
        .flatMap((m) => ((m.body.items as Array<Record<string, unknown>> | undefined)?.length ? (m.body.items as Array<Record<string, unknown>>) : [m.body]))
        .filter((n) => n.kind === 'sign-request' && String(n.key).startsWith(`sign:${id}:`))
        .map((n) => [n.key, (n.recipients as Array<{ name: string }>).map((r) => r.name)])
    // Each signer is asked on their phone, in turn, once.
    for (const who of ['liuju', 'wangqu'] as const) {
      await once()
      await once()
      const stage = who === 'liuju' ? 'bureau-head' : 'leader'
      expect(signRequests().filter(([key]) => key === `sign:${id}:v1:${stage}`)).toEqual([[`sign:${id}:v1:${stage}`, [who]]])
      const { state } = await loadCase(t.store, id)
      await approveReply(t.store, ctx, { ticketId: id, approver: who, version: state.draft!.version, textSha256: state.draft!.textSha256, privateKey: keys[who].privateKey, fingerprint: keys[who].fingerprint })
    }
    expect(signRequests()).toHaveLength(2)
    const report = (await once()).last!
    expect(report.published).toBe(1)
    expect(world.replies.stored).toHaveLength(1)
    expect(world.replies.stored[0]!.body.text).toBe(REPLY)
    expect((await loadCase(t.store, id)).state.status).toBe('published')
    await once()
    expect(world.replies.stored).toHaveLength(1)
    expect(world.replies.repeats).toHaveLength(0)
  }, 60_000)

  it('keeps a second daemon off the same SQLite store with a clear message', async () => {
    expect(await acquireLease(t.store, SQLITE_DAEMON_LEASE, 'other-host:4242:abc', 60_000)).toBe(true)
    const err = await once().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RefusedError)
    expect((err as RefusedError).code).toBe('DAEMON_RUNNING')
    expect((err as Error).message).toMatch(/another lianxin daemon \(other-host:4242:abc\) is running on this SQLite store/)
    // Once the other daemon's lease lapses (it died), this one takes over.
    clock.advance(2 * 60_000)
    await expect(once()).resolves.toMatchObject({ cycles: 1 })
  }, 60_000)

  it('stops cleanly when signalled', async () => {
    const controller = new AbortController()
    const running = runDaemon({ store: t.store, config: world.config, baseDir: '/tmp', logger: quietLog, signal: controller.signal, sleep: async () => new Promise((r) => setTimeout(r, 20)) })
    await new Promise((r) => setTimeout(r, 300))
    controller.abort()
    const summary = await running
    expect(summary.cycles).toBeGreaterThanOrEqual(1)
    expect(summary.stoppedBy).toBe('signal')
    // It gave the store back: another daemon may start at once.
    expect(await acquireLease(t.store, SQLITE_DAEMON_LEASE, 'next', 60_000)).toBe(true)
  }, 60_000)
})

void Store
