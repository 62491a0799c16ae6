/**
 * Taking a ticket the daemon opened to `approved` through the library, as the bureau's staff,
 * bureau head and supervising leader would, so that the daemon has a signed reply to publish.
 */
import type { LianxinConfig } from '../../src/config/index.js'
import { registerUserKey, syncConfigUsers } from '../../src/people/roster.js'
import { approveReply, draftReply } from '../../src/replies/service.js'
import type { Session } from '../../src/store/session.js'
import { listTickets } from '../../src/store/tickets.js'
import { acceptTicket, assignTicket, characteriseTicket, finishSubtask } from '../../src/tickets/actions.js'
import { caseContext, loadCase } from '../../src/tickets/service.js'
import { newSigner, type Signer } from './bureau.js'

export const REPLY = '您好！您反映的问题，兴建街道办事处已会同区住建局现场核实，将于12月5日前处理完毕。如有疑问请致电兴建街道办事处 0451-86801234。'

export type SignerKeys = Record<'liuju' | 'wangqu', Signer>

/** The config's people in the store, and keys registered by admin for liuju and wangqu. */
export async function registerSigners(session: Session, config: LianxinConfig): Promise<SignerKeys> {
  await syncConfigUsers(session, config)
  const keys = { liuju: newSigner(), wangqu: newSigner() }
  for (const [name, signer] of Object.entries(keys)) await registerUserKey(session, 'admin', name, signer.publicKeyPem)
  return keys
}

/**
 * Accepts, assigns, characterises one received ticket, drafts a reply and has both leaders sign
 * it. Returns its id, or undefined when no ticket is waiting to be accepted. `beforeLeader` runs
 * between the two signatures (while the reply waits for the supervising leader).
 */
export async function approveOneTicket(
  session: Session,
  config: LianxinConfig,
  keys: SignerKeys,
  skip: readonly number[] = [],
  beforeLeader?: (id: number) => Promise<void>,
): Promise<number | undefined> {
  const ctx = await caseContext(session, config)
  const ticket = (await listTickets(session, { status: ['received'] })).find((t) => !skip.includes(t.id))
  if (!ticket) return undefined
  const id = ticket.id
  await acceptTicket(session, ctx, id, 'zhangwei')
  const assigned = await assignTicket(session, ctx, config, { id, actor: 'zhangwei', lead: 'xingjian', assist: [] })
  for (const s of assigned.state.subtasks) await finishSubtask(session, ctx, { id, actor: 'zhangwei', owner: s.owner })
  await characteriseTicket(session, ctx, { id, actor: 'zhangwei', kind: 'petition' })
  await draftReply(session, ctx, { ticketId: id, author: 'zhangwei', text: REPLY, submit: true })
  for (const who of ['liuju', 'wangqu'] as const) {
    if (who === 'wangqu') await beforeLeader?.(id)
    const { state } = await loadCase(session, id)
    const draft = state.draft!
    await approveReply(session, ctx, { ticketId: id, approver: who, version: draft.version, textSha256: draft.textSha256, privateKey: keys[who].privateKey, fingerprint: keys[who].fingerprint })
  }
  return id
}
