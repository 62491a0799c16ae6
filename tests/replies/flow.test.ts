import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RefusedError } from '../../src/errors.js'
import { approveReply, draftReply, rejectReply } from '../../src/replies/service.js'
import { verifyForPublish } from '../../src/replies/publish.js'
import { listEvents } from '../../src/store/events.js'
import { acceptTicket, assignTicket, characteriseTicket, finishSubtask } from '../../src/tickets/actions.js'
import { loadCase } from '../../src/tickets/service.js'
import { replayStored } from '../../src/tickets/workflow/index.js'
import { bureau, citizenCase, pingfangConfig, type Signer } from '../helpers/bureau.js'
import { backends, manualClock, type TestStore } from '../helpers/stores.js'

const config = pingfangConfig()
const REPLY = '您好！您反映的北厂文化小区路灯问题，兴建街道办事处已会同区住建局现场核实，路灯将于12月5日前安装完毕。如有疑问请致电兴建街道办事处 0451-86801234。'

describe.each(backends)('reply sign-off through the store on $name', (backend) => {
  let t: TestStore
  const clock = manualClock()
  let ctx: Awaited<ReturnType<typeof bureau>>['ctx']
  let keys: Record<'liuju' | 'wangqu', Signer>

  beforeEach(async () => {
    t = await backend.open({ now: clock.now })
    ;({ ctx, keys } = await bureau(t.store, config))
  })
  afterEach(async () => t.cleanup())

  async function readyForReply(): Promise<number> {
    const id = await citizenCase(t.store)
    clock.advance(60_000)
    await acceptTicket(t.store, ctx, id, 'zhangwei')
    await assignTicket(t.store, ctx, config, { id, actor: 'zhangwei' })
    await finishSubtask(t.store, ctx, { id, actor: 'lina', owner: 'xingjian' })
    await finishSubtask(t.store, ctx, { id, actor: 'zhangwei', owner: 'zhujian' })
    await characteriseTicket(t.store, ctx, { id, actor: 'zhangwei', kind: 'petition' })
    return id
  }

  async function sign(id: number, who: 'liuju' | 'wangqu') {
    const { state } = await loadCase(t.store, id)
    const draft = state.draft!
    return approveReply(t.store, ctx, { ticketId: id, approver: who, version: draft.version, textSha256: draft.textSha256, privateKey: keys[who].privateKey, fingerprint: keys[who].fingerprint })
  }

  it('takes a case from receipt to a reply signed twice, and the replayed log equals the stored state', async () => {
    const id = await readyForReply()
    const drafted = await draftReply(t.store, ctx, { ticketId: id, author: 'zhangwei', text: REPLY, submit: true })
    expect(drafted.submitted).toBe(true)
    expect(drafted.state.status).toBe('awaiting-bureau-head')
    await expect(sign(id, 'wangqu')).rejects.toThrow(/may not sign as the bureau head/)
    await sign(id, 'liuju')
    const done = await sign(id, 'wangqu')
    expect(done.state.status).toBe('approved')
    const verified = await verifyForPublish(t.store, ctx, id)
    expect(verified.signers.map((s) => s.person)).toEqual(['liuju', 'wangqu'])
    const { summary, events } = await loadCase(t.store, id)
    expect(summary.state).toEqual(replayStored(events))
    expect(summary.status).toBe('approved')
  })

  it('refuses a signature by the author, and a new version voids the first signature', async () => {
    const id = await readyForReply()
    await draftReply(t.store, ctx, { ticketId: id, author: 'liuju', text: REPLY, submit: true })
    await expect(sign(id, 'liuju')).rejects.toThrow(/wrote this draft/)
    await draftReply(t.store, ctx, { ticketId: id, author: 'zhangwei', text: `${REPLY} `, submit: true })
    await sign(id, 'liuju')
    await draftReply(t.store, ctx, { ticketId: id, author: 'zhangwei', text: `${REPLY}  `, submit: true })
    const { state } = await loadCase(t.store, id)
    expect(state.status).toBe('awaiting-bureau-head')
    await expect(verifyForPublish(t.store, ctx, id)).rejects.toThrow(/only a reply signed/)
  })

  it('needs a reason to reject, sends the draft back, and never lets that version be signed', async () => {
    const id = await readyForReply()
    await draftReply(t.store, ctx, { ticketId: id, author: 'zhangwei', text: REPLY, submit: true })
    await expect(rejectReply(t.store, ctx, { ticketId: id, approver: 'liuju', reason: ' ' })).rejects.toThrow(/needs a reason/)
    const rejected = await rejectReply(t.store, ctx, { ticketId: id, approver: 'liuju', reason: '请写明联系人' })
    expect(rejected.state.status).toBe('drafting')
    const err = await sign(id, 'liuju').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RefusedError)
  })

  it('refuses a key that an admin did not register, and writes nothing', async () => {
    const id = await readyForReply()
    await draftReply(t.store, ctx, { ticketId: id, author: 'zhangwei', text: REPLY, submit: true })
    const before = (await listEvents(t.store)).length
    const { state } = await loadCase(t.store, id)
    const rogue = (await import('../helpers/bureau.js')).newSigner()
    await expect(
      approveReply(t.store, ctx, { ticketId: id, approver: 'liuju', version: state.draft!.version, textSha256: state.draft!.textSha256, privateKey: rogue.privateKey, fingerprint: rogue.fingerprint }),
    ).rejects.toThrow(/not registered/)
    expect((await listEvents(t.store)).length).toBe(before)
  })
})
