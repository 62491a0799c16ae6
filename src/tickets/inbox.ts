/**
 * What is waiting for one person: the cases staff must take through intake, the sub-tasks of a
 * handler's unit, the replies a bureau head or a supervising leader must sign, with the clock
 * that each step runs against. Read from the ticket projections; nothing is written.
 */
import type { ClockName } from '../config/sections/operations.js'
import { NotFoundError } from '../errors.js'
import type { Session } from '../store/session.js'
import { listTickets } from '../store/tickets.js'
import { clockStatus } from './clocks/index.js'
import { stateOf, type CaseContext } from './service.js'
import { OPEN_STATUSES, maySign, type Person, type TicketState } from './workflow/index.js'

/** One thing to do. */
export interface InboxItem {
  readonly ticket: number
  readonly title: string
  readonly urgency: string | null
  /** What to do, for people. */
  readonly action: string
  /** The command that does it. */
  readonly command: string
  /** The clock this step runs against, when one is running. */
  readonly clock: { readonly name: ClockName; readonly dueAt: string; readonly remainingMs: number; readonly overdue: boolean } | null
}

/** Everything waiting for `user`, overdue and soonest due first. */
export interface Inbox {
  readonly user: string
  readonly roles: readonly string[]
  readonly items: readonly InboxItem[]
}

/** What each person may be asked to do about a case in this state (without the clock). */
function duties(state: TicketState, me: Person, ctx: CaseContext): Array<{ action: string; command: string; clock: ClockName }> {
  const id = state.id
  const staff = me.roles.includes('staff')
  const out: Array<{ action: string; command: string; clock: ClockName }> = []
  if (staff) {
    const open = state.subtasks.filter((s) => s.status === 'open')
    if (state.status === 'received') out.push({ action: 'accept the case (一时接访)', command: `lianxin tickets accept ${id}`, clock: 'accept' })
    if (state.status === 'accepted') out.push({ action: state.assignments > 0 ? 'assign it again: a unit handed it back (退单)' : 'assign it to the lead unit and the assisting ones (一日交办)', command: `lianxin tickets assign ${id}`, clock: 'assign' })
    if (state.status === 'assigned' && open.length === 0) out.push({ action: 'characterise the case: every unit has reported (一周定性)', command: `lianxin tickets characterise ${id} --kind petition`, clock: 'characterise' })
    if (state.status === 'characterised') out.push({ action: 'draft the reply (一旬答复)', command: `lianxin replies draft ${id} --file reply.txt --submit`, clock: 'reply' })
    if (state.status === 'drafting') out.push({ action: state.draft ? `revise and submit the reply (v${state.draft.version} was sent back)` : 'draft the reply (一旬答复)', command: `lianxin replies draft ${id} --file reply.txt --submit`, clock: 'reply' })
    if (state.status === 'approved') out.push({ action: 'publish the signed reply (or let the daemon do it)', command: `lianxin replies publish ${id}`, clock: 'reply' })
    if (state.status === 'published') out.push({ action: state.ratings.length > 0 ? 'close the case (一月办结)' : "record the citizen's rating and close the case (一月办结)", command: state.ratings.length > 0 ? `lianxin tickets close ${id}` : `lianxin tickets rate ${id} --grade … --source phone`, clock: 'close' })
  }
  if (me.roles.includes('handler') && state.status === 'assigned') {
    for (const s of state.subtasks) {
      if (s.status !== 'open' || (s.owner !== me.zone && s.owner !== me.department)) continue
      out.push({ action: `do your unit's part as ${s.role === 'lead' ? 'the lead' : 'an assisting unit'} (${s.owner}) and report it`, command: `lianxin tickets done ${id} --unit ${s.owner}`, clock: 'characterise' })
    }
  }
  const author = state.draft?.author
  if (state.status === 'awaiting-bureau-head' && author !== me.name && maySign(ctx.policy, ctx.people, me.name, 'bureau-head')) {
    out.push({ action: `read and sign reply v${state.draft?.version ?? '?'} as the bureau head`, command: `lianxin replies approve ${id}`, clock: 'reply' })
  }
  if (state.status === 'awaiting-leader' && author !== me.name && maySign(ctx.policy, ctx.people, me.name, 'supervising-leader')) {
    out.push({ action: `read and sign reply v${state.draft?.version ?? '?'} as the supervising leader`, command: `lianxin replies approve ${id}`, clock: 'reply' })
  }
  if (state.characterisation?.status === 'pending-approval' && state.characterisation.by !== me.name && maySign(ctx.policy, ctx.people, me.name, 'bureau-head')) {
    out.push({ action: 'approve or reject the finding "unreasonable demand"', command: `lianxin tickets characterise ${id} --approve`, clock: 'characterise' })
  }
  return out
}

/**
 * What is waiting for `user` now.
 *
 * @throws NotFoundError when `user` is not an active user of the store.
 */
export async function inboxFor(session: Session, ctx: CaseContext, user: string, now: Date): Promise<Inbox> {
  const me = ctx.people.find((p) => p.name === user)
  if (!me) throw new NotFoundError(`${user} is not an active user`, { suggestions: ['See who is with "lianxin users list"; act as someone with --as NAME or LIANXIN_USER.'] })
  const items: InboxItem[] = []
  for (const summary of await listTickets(session, { status: [...OPEN_STATUSES] })) {
    const state = await stateOf(session, summary)
    const todo = duties(state, me, ctx)
    if (todo.length === 0) continue
    const clocks = clockStatus(state, ctx.policy, now)
    for (const duty of todo) {
      const c = clocks.find((k) => k.name === duty.clock && k.stoppedAt === undefined && k.state !== 'cancelled')
      items.push({
        ticket: state.id,
        title: summary.title,
        urgency: summary.urgency,
        action: duty.action,
        command: duty.command,
        clock: c ? { name: c.name, dueAt: c.dueAt, remainingMs: c.remainingMs, overdue: c.state === 'breached' } : null,
      })
    }
  }
  items.sort((a, b) => (a.clock?.dueAt ?? '~').localeCompare(b.clock?.dueAt ?? '~') || a.ticket - b.ticket)
  return { user, roles: me.roles, items }
}
