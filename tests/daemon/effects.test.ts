/**
 * What an action asks of people is queued in the outbox in the same transaction as the action
 * (the commands' and the daemon's context): 交办 to the units' handlers, 退单 to staff, a finding
 * of an unreasonable demand to the bureau head, a signed reply to its author, a published reply to
 * the lead unit. Sign requests, rejections, low grades and clock alerts come by their own paths
 * and are not queued twice.
 */
import { describe, expect, it } from 'vitest'
import { withEffectNotices } from '../../src/daemon/notices.js'
import { createPublishChannel } from '../../src/publish/index.js'
import { publishReply } from '../../src/replies/publish.js'
import { approveReply, draftReply, rejectReply } from '../../src/replies/service.js'
import { acceptTicket, assignTicket, characteriseTicket, decideCharacterisation, finishSubtask, handBack } from '../../src/tickets/actions.js'
import { loadCase } from '../../src/tickets/service.js'
import { STREET_LIGHT_REPLY, citizenCase, pingfangConfig, useBureau } from '../helpers/bureau.js'
import { startReplyReceiver } from '../helpers/reply-receiver.js'
import { manualClock } from '../helpers/stores.js'

const config = pingfangConfig((doc) => {
  doc.notify = { channels: [{ id: 'hook', kind: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'unused' }], digestEvery: '1h' }
})

describe('notifications of what an action asks of people', () => {
  const clock = manualClock('2026-12-01T01:10:00.000Z')
  const world = useBureau(clock, config)

  /** Outbox rows not seen by an earlier call, by key: [key without the event seq, kind, recipients, at once or when]. */
  const seen = new Set<string>()
  const fresh = async () =>
    (await world.t.store.db.selectFrom('outbox').select(['key', 'notification', 'payload', 'urgent', 'not_before']).orderBy('key').execute())
      .filter((r) => !seen.has(r.key) && seen.add(r.key))
      .map((r) => {
        const n = JSON.parse(r.payload) as { kind: string; recipients: string[] }
        return [r.notification.replace(/:e\d+$/, ''), n.kind, n.recipients, r.urgent === 1 ? 'now' : r.not_before]
      })

  it('queues each once, to the people it names, at once or for the digest', async () => {
    const ctx = withEffectNotices(world.ctx, config)
    const t = world.t.store
    const id = await citizenCase(t)
    await acceptTicket(t, ctx, id, 'zhangwei')
    expect(await fresh()).toEqual([]) // accepting asks nobody new

    await assignTicket(t, ctx, config, { id, actor: 'zhangwei', lead: 'xingjian', assist: ['wuye'] })
    expect(await fresh()).toEqual([
      [`assist:${id}`, 'assigned', ['chenqiang'], 'now'],
      [`lead:${id}`, 'assigned', ['lina'], 'now'],
    ])
    await handBack(t, ctx, config, { id, actor: 'chenqiang', owner: 'wuye', reason: '不属于物业办职责', proposedOwner: 'zhujian' })
    expect(await fresh()).toEqual([[`handed-back:${id}`, 'handed-back', ['zhangwei'], 'now']])
    await assignTicket(t, ctx, config, { id, actor: 'zhangwei', lead: 'xingjian', assist: ['zhujian'] })
    // 住建局 has no handler of its own in the profile: the bureau's staff hear of it.
    expect((await fresh()).map((r) => r.slice(0, 3))).toEqual([
      [`assist:${id}`, 'assigned', ['zhangwei']],
      [`lead:${id}`, 'assigned', ['lina']],
    ])
    const subtasks = await finishSubtask(t, ctx, { id, actor: 'lina', owner: 'xingjian' })
    expect(subtasks.state.subtasks.every((s) => s.status === 'done')).toBe(false)
    const done = await finishSubtask(t, ctx, { id, actor: 'zhangwei', owner: 'zhujian' })
    expect(done.state.subtasks.every((s) => s.status === 'done')).toBe(true)
    expect(await fresh()).toEqual([[`subtasks-done:${id}`, 'subtasks-done', ['lina'], '2026-12-01T02:00:00.000Z']]) // in the 10:00 digest

    await characteriseTicket(t, ctx, { id, actor: 'zhangwei', kind: 'unreasonable', note: '多次重复诉求' })
    expect(await fresh()).toEqual([[`approve-characterisation:${id}`, 'approve-characterisation', ['liuju'], 'now']])
    await decideCharacterisation(t, ctx, { id, actor: 'liuju', reject: '诉求合理，应按信访事项办理' })
    expect(await fresh()).toEqual([[`characterise-again:${id}`, 'reopened', ['lina'], 'now']])
    await characteriseTicket(t, ctx, { id, actor: 'zhangwei', kind: 'petition' })

    // The sign-off's requests and rejections are the daemon's to push, from the state: nothing here.
    await draftReply(t, ctx, { ticketId: id, author: 'zhangwei', text: STREET_LIGHT_REPLY, submit: true })
    await rejectReply(t, ctx, { ticketId: id, approver: 'liuju', reason: '请写明路灯数量' })
    await draftReply(t, ctx, { ticketId: id, author: 'zhangwei', text: `${STREET_LIGHT_REPLY}共12盏。`, submit: true })
    await world.sign(id, 'liuju')
    expect(await fresh()).toEqual([])
    // world.sign uses the plain context: the leader's signature queued nothing; do it with ours.
    const draft = (await loadCase(t, id)).state.draft!
    await approveReply(t, ctx, { ticketId: id, approver: 'wangqu', version: draft.version, textSha256: draft.textSha256, privateKey: world.keys.wangqu.privateKey, fingerprint: world.keys.wangqu.fingerprint })
    expect(await fresh()).toEqual([[`publish:${id}`, 'approved', ['zhangwei'], 'now']])

    const receiver = await startReplyReceiver('reply-secret')
    try {
      const portal = createPublishChannel({ id: 'portal', kind: 'webhook', enabled: true, url: receiver.url, secret: 'reply-secret' }, { configDir: '/tmp' })
      await publishReply(t, ctx, { ticketId: id, actor: 'zhangwei', channel: portal })
    } finally {
      await receiver.close()
    }
    expect(await fresh()).toEqual([[`published:${id}`, 'published', ['lina'], '2026-12-01T02:00:00.000Z']])
  })

  it('queues nothing without an enabled notification channel', async () => {
    const quiet = pingfangConfig((doc) => {
      doc.notify = { channels: [{ id: 'hook', kind: 'webhook', enabled: false, url: 'http://127.0.0.1:9/hook', secret: 'unused' }] }
    })
    const ctx = withEffectNotices(world.ctx, quiet)
    expect(ctx.onActed).toBeUndefined()
    const id = await citizenCase(world.t.store)
    await acceptTicket(world.t.store, ctx, id, 'zhangwei')
    await assignTicket(world.t.store, ctx, quiet, { id, actor: 'zhangwei', lead: 'xingjian', assist: [] })
    expect(await fresh()).toEqual([])
  })
})
