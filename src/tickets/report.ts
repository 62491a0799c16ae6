/**
 * The bureau's figures for a period, as its reports give them: cases received and closed (办结率),
 * each of the five clocks kept or missed (五个一), the citizens' satisfaction (满意率), and per
 * unit of the "10+N" the cases it led or assisted, its missed clocks and its hand-backs (退单).
 * Read from the ticket projections; nothing is written.
 */
import { CLOCK_NAMES, type ClockName } from '../config/sections/operations.js'
import type { Session } from '../store/session.js'
import { listTickets } from '../store/tickets.js'
import { clockStatus } from './clocks/index.js'
import { stateOf } from './service.js'
import { satisfied, type TicketState, type WorkflowPolicy } from './workflow/index.js'

/** How one clock fared over the cases of the period. */
export interface ClockFigures {
  /** Stopped by its deadline. */
  met: number
  /** Stopped after its deadline. */
  late: number
  /** Still running past its deadline. */
  overdue: number
  /** Still running, or paused, within its deadline. */
  pending: number
  /** met / (met + late + overdue), or null when none was decided yet. */
  rate: number | null
}

/** One zone or department of the "10+N". */
export interface UnitFigures {
  unit: string
  /** Cases it led. */
  led: number
  /** Cases it assisted. */
  assisted: number
  /** Clocks missed (late or overdue) on the cases it led. */
  missed: number
  /** Times it handed a case back (退单). */
  handBacks: number
  /** Of the cases it led and that were rated, the share rated satisfied. */
  satisfaction: number | null
}

export interface BureauReport {
  from: string
  to: string
  /** When the clocks were read. */
  at: string
  cases: { received: number; open: number; closed: number; merged: number; completionRate: number | null }
  clocks: Record<ClockName, ClockFigures>
  satisfaction: { rated: number; satisfied: number; notSatisfied: number; rate: number | null }
  units: UnitFigures[]
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole)

/** The citizen's last word on the case: the latest rating of its latest round. */
function verdict(state: TicketState): boolean | null | undefined {
  const last = state.ratings.at(-1)
  return last === undefined ? undefined : satisfied(last.grade)
}

/**
 * The figures of the cases opened in [from, to), their clocks read at `now`.
 */
export async function bureauReport(session: Session, policy: WorkflowPolicy, options: { from: Date; to: Date; now: Date }): Promise<BureauReport> {
  const from = options.from.toISOString()
  const to = options.to.toISOString()
  const clocks = Object.fromEntries(CLOCK_NAMES.map((name) => [name, { met: 0, late: 0, overdue: 0, pending: 0, rate: null }])) as Record<ClockName, ClockFigures>
  const cases = { received: 0, open: 0, closed: 0, merged: 0, completionRate: null as number | null }
  const rating = { rated: 0, satisfied: 0, notSatisfied: 0, rate: null as number | null }
  const units = new Map<string, UnitFigures & { rated: number; happy: number }>()
  const unit = (id: string) => {
    let u = units.get(id)
    if (!u) units.set(id, (u = { unit: id, led: 0, assisted: 0, missed: 0, handBacks: 0, satisfaction: null, rated: 0, happy: 0 }))
    return u
  }
  for (const summary of await listTickets(session, { openedFrom: from, openedBefore: to })) {
    const state = await stateOf(session, summary)
    cases.received++
    if (state.status === 'merged') {
      cases.merged++
      continue
    }
    if (state.status === 'closed') cases.closed++
    else cases.open++
    let missed = 0
    for (const c of clockStatus(state, policy, options.now)) {
      const figures = clocks[c.name]
      if (c.state === 'cancelled') continue
      if (c.state === 'met') figures.met++
      else if (c.state === 'breached' && c.stoppedAt !== undefined) figures.late++
      else if (c.state === 'breached') figures.overdue++
      else figures.pending++
      if (c.state === 'breached') missed++
    }
    const happy = verdict(state)
    if (happy !== undefined && happy !== null) {
      rating.rated++
      if (happy) rating.satisfied++
      else rating.notSatisfied++
    }
    // The assigned lead, or before assignment the one triage proposed.
    const leadId = state.lead ?? summary.lead ?? undefined
    if (leadId !== undefined) {
      const lead = unit(leadId)
      lead.led++
      lead.missed += missed
      if (happy !== undefined && happy !== null) {
        lead.rated++
        if (happy) lead.happy++
      }
    }
    for (const a of state.lead !== undefined ? state.assist : summary.assist) if (a !== leadId) unit(a).assisted++
    for (const [owner, count] of Object.entries(state.handBacks)) unit(owner).handBacks += count
  }
  for (const figures of Object.values(clocks)) figures.rate = share(figures.met, figures.met + figures.late + figures.overdue)
  cases.completionRate = share(cases.closed, cases.received - cases.merged)
  rating.rate = share(rating.satisfied, rating.rated)
  return {
    from,
    to,
    at: options.now.toISOString(),
    cases,
    clocks,
    satisfaction: rating,
    units: [...units.values()]
      .map(({ rated, happy, ...u }) => ({ ...u, satisfaction: share(happy, rated) }))
      .sort((a, b) => b.led - a.led || b.assisted - a.assisted || a.unit.localeCompare(b.unit)),
  }
}
