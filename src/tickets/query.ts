/**
 * Reading tickets: the list with its clocks (what is overdue, what falls due soon) and one
 * ticket in full (posts, routing and its reasons, every event, every clock).
 */
import { getPost, type Post } from '../store/posts.js'
import type { StoredEvent } from '../store/events.js'
import type { Session } from '../store/session.js'
import { listTickets, ticketPosts, type TicketSummary } from '../store/tickets.js'
import { clockStatus, type ClockStatus } from './clocks/index.js'
import { loadCase, stateOf } from './service.js'
import type { TicketState, WorkflowPolicy } from './workflow/index.js'

/** Filters of {@link listCases}. */
export interface ListCasesOptions {
  readonly status?: readonly string[]
  /** Only tickets with a clock past its deadline (still running, or stopped late and not closed). */
  readonly overdue?: boolean
  /** Only tickets with a running clock due within this many ms. */
  readonly dueWithinMs?: number
  /** Lead zone. */
  readonly zone?: string
  /** Lead or assisting department (or zone). */
  readonly dept?: string
  readonly limit?: number
  readonly now: Date
}

/** A ticket as the list shows it. */
export interface CaseRow {
  readonly id: number
  readonly status: string
  readonly title: string
  readonly topic: string | null
  readonly urgency: string | null
  readonly lead: string | null
  readonly assist: readonly string[]
  readonly openedAt: string
  /** The running clock that falls due first, if any. */
  readonly next: Pick<ClockStatus, 'name' | 'dueAt' | 'remainingMs' | 'state'> | null
  /** Clocks past their deadline. */
  readonly overdue: ReadonlyArray<ClockStatus['name']>
}

/** Tickets with their clocks, filtered. */
export async function listCases(session: Session, policy: WorkflowPolicy, options: ListCasesOptions): Promise<CaseRow[]> {
  const summaries = await listTickets(session, { ...(options.status && options.status.length > 0 ? { status: [...options.status] } : {}) })
  const rows: CaseRow[] = []
  for (const summary of summaries) {
    if (options.zone !== undefined && summary.lead !== options.zone && summary.zoneId !== options.zone) continue
    if (options.dept !== undefined && summary.lead !== options.dept && !summary.assist.includes(options.dept)) continue
    const state = await stateOf(session, summary)
    const clocks = clockStatus(state, policy, options.now)
    const live = state.status !== 'closed' && state.status !== 'merged'
    // A paused clock has no deadline while it is paused: it is neither next nor due soon.
    const running = clocks.filter((c) => c.stoppedAt === undefined && c.state !== 'cancelled' && c.state !== 'paused')
    const overdue = live ? clocks.filter((c) => c.state === 'breached').map((c) => c.name) : []
    const next = [...running].sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0]
    if (options.overdue && overdue.length === 0) continue
    if (options.dueWithinMs !== undefined && !running.some((c) => Date.parse(c.dueAt) - options.now.getTime() <= (options.dueWithinMs ?? 0))) continue
    rows.push({
      id: summary.id,
      status: state.status,
      title: summary.title,
      topic: summary.topic,
      urgency: summary.urgency,
      lead: summary.lead,
      assist: summary.assist,
      openedAt: summary.openedAt,
      next: live && next ? { name: next.name, dueAt: next.dueAt, remainingMs: next.remainingMs, state: next.state } : null,
      overdue,
    })
    if (options.limit !== undefined && rows.length >= options.limit) break
  }
  return rows
}

/** One ticket in full. */
export interface CaseDetail {
  readonly summary: TicketSummary
  readonly state: TicketState
  readonly posts: ReadonlyArray<Post & { readonly linkReason: string }>
  readonly routing: { readonly lead: string | null; readonly assist: readonly string[]; readonly zone: string | null; readonly reasons: readonly string[] }
  readonly clocks: readonly ClockStatus[]
  readonly events: readonly StoredEvent[]
}

/** A ticket with its posts, routing reasons, events and clocks. */
export async function showCase(session: Session, policy: WorkflowPolicy, id: number, now: Date): Promise<CaseDetail> {
  const { summary, state, events } = await loadCase(session, id)
  const posts: Array<Post & { linkReason: string }> = []
  for (const link of await ticketPosts(session, id)) {
    const post = await getPost(session, link.postId)
    if (post) posts.push({ ...post, linkReason: link.reason })
  }
  const opened = events.find((e) => e.type === 'ticket.opened')?.payload as { reasons?: string[]; zoneId?: string | null; lead?: string | null; assist?: string[] } | undefined
  return {
    summary,
    state,
    posts,
    routing: { lead: opened?.lead ?? summary.lead, assist: opened?.assist ?? summary.assist, zone: opened?.zoneId ?? summary.zoneId, reasons: opened?.reasons ?? [] },
    clocks: clockStatus(state, policy, now),
    events,
  }
}
