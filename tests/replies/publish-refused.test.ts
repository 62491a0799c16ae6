/**
 * A channel that refuses a reply with nothing delivered (a receiver's 4xx, a board form that does
 * not take the text, a thread already answered) settles that attempt: the reply can be corrected
 * and sent again or redrafted, and the daemon stops trying it and tells its author once. A failure
 * that may have delivered keeps the attempt open: no new text until it is finished.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LianxinError, RefusedError } from '../../src/errors.js'
import { createPublishChannel } from '../../src/publish/index.js'
import { publishAttempts } from '../../src/replies/attempts.js'
import { publishReply } from '../../src/replies/publish.js'
import { draftReply } from '../../src/replies/service.js'
import { listEvents } from '../../src/store/events.js'
import { loadCase } from '../../src/tickets/service.js'
import { STREET_LIGHT_REPLY, pingfangConfig, signedCase, useBureau } from '../helpers/bureau.js'
import { useDaemonCycles } from '../helpers/daemon.js'
import { rejection } from '../helpers/rejection.js'
import { startReplyReceiver, type ReplyReceiver } from '../helpers/reply-receiver.js'
import { manualClock } from '../helpers/stores.js'

describe('a reply the channel refused, with nothing delivered', () => {
  const clock = manualClock('2026-12-01T01:00:00.000Z')
  const daemon = useDaemonCycles(clock)
  let receiver: ReplyReceiver
  beforeAll(async () => {
    receiver = await startReplyReceiver('reply-secret')
  })
  afterAll(async () => receiver?.close())
  const base = pingfangConfig((doc) => {
    doc.sources = []
  })
  const world = useBureau(clock, base)

  const portal = () => createPublishChannel({ id: 'portal', kind: 'webhook', enabled: true, url: receiver.url, secret: 'reply-secret', retries: 0 }, { configDir: '/tmp' })
  const approvedCase = () => signedCase(world, base)
  const failure = (p: Promise<unknown>) => rejection(p, LianxinError)
  const attempts = async (id: number) => {
    const { state, events } = await loadCase(world.t.store, id)
    return publishAttempts(events, state.draft!.version).map((a) => [a.channel, a.attempt, a.refused?.code ?? 'open'])
  }

  it('records the refusal, sends the same signed version again as a new attempt, and lets staff redraft meanwhile', async () => {
    const id = await approvedCase()
    receiver.answerWith({ status: 422, body: '{"error":"thread closed for replies"}' })
    const refused = await failure(publishReply(world.t.store, world.ctx, { ticketId: id, actor: 'zhangwei', channel: portal() }))
    expect([refused.code, refused instanceof RefusedError]).toEqual(['PUBLISH_REFUSED', true])
    expect(await attempts(id)).toEqual([['portal', 1, 'PUBLISH_REFUSED']])
    const refusal = (await listEvents(world.t.store, { stream: `ticket:${id}`, types: ['reply.publish-refused'] }))[0]!
    expect(refusal.payload).toMatchObject({ version: 1, channel: 'portal', attempt: 1, code: 'PUBLISH_REFUSED' })
    expect(String((refusal.payload as { reason: string }).reason)).toContain('HTTP 422')

    // The receiver is fixed: the same signed version goes out as attempt 2, once.
    receiver.answerWith(undefined)
    const sent = await publishReply(world.t.store, world.ctx, { ticketId: id, actor: 'zhangwei', channel: portal() })
    expect([sent.outcome, sent.resumed, sent.state.status]).toEqual(['published', false, 'published'])
    expect(await attempts(id)).toEqual([['portal', 1, 'PUBLISH_REFUSED'], ['portal', 2, 'open']])
    expect(receiver.stored.filter((s) => Number(s.body.ticketId) === id)).toHaveLength(1)

    // Another case refused: nothing reached anyone, so a corrected text may be drafted at once.
    const other = await approvedCase()
    receiver.answerWith({ status: 400, body: '{"error":"bad request"}' })
    await failure(publishReply(world.t.store, world.ctx, { ticketId: other, actor: 'zhangwei', channel: portal() }))
    const redrafted = await draftReply(world.t.store, world.ctx, { ticketId: other, author: 'zhangwei', text: `${STREET_LIGHT_REPLY}（已更正）`, submit: true })
    expect(redrafted.state.draft?.version).toBe(2)
    receiver.answerWith(undefined)
  })

  it('keeps an attempt that may have delivered open: no new text until it is finished', async () => {
    const id = await approvedCase()
    receiver.answerWith({ status: 503, body: 'busy' })
    const failed = await failure(publishReply(world.t.store, world.ctx, { ticketId: id, actor: 'zhangwei', channel: portal() }))
    expect(failed.code).toBe('PUBLISH_FAILED')
    expect(await attempts(id)).toEqual([['portal', 1, 'open']])
    const pending = await failure(draftReply(world.t.store, world.ctx, { ticketId: id, author: 'zhangwei', text: `${STREET_LIGHT_REPLY} ` }))
    expect(pending.code).toBe('PUBLISH_PENDING')
    receiver.answerWith(undefined)
    const sent = await publishReply(world.t.store, world.ctx, { ticketId: id, actor: 'zhangwei', channel: portal() })
    expect([sent.outcome, sent.state.status]).toEqual(['published', 'published'])
    expect(await attempts(id)).toEqual([['portal', 1, 'open']]) // the same attempt, finished
  })

  it('the daemon tries a refused reply once, tells its author once, and leaves it to people', async () => {
    const config = daemon.config((doc) => {
      doc.publish = { channels: [{ id: 'portal', kind: 'webhook', url: receiver.url, secret: 'reply-secret', retries: 0 }], default: 'portal' }
    })
    const cycle = () => daemon.cycle(world.t.store, config)
    const id = await approvedCase()
    receiver.answerWith({ status: 409, body: '{"error":"already answered by hand"}' })
    const before = receiver.requests
    expect((await cycle()).published).toBe(0)
    clock.advance(60_000)
    await cycle()
    clock.advance(60_000)
    await cycle()
    expect(receiver.requests - before).toBe(1)
    expect(await attempts(id)).toEqual([['portal', 1, 'PUBLISH_REFUSED']])
    const told = daemon.pushed('publish-refused')
    expect(told.map((m) => [m.key, m.to])).toEqual([[`publish-refused:${id}:v1:portal:a1`, ['zhangwei']]])
    expect(String(JSON.stringify(told[0]!.body))).toContain('HTTP 409')
    receiver.answerWith(undefined)
  })
})
