/**
 * Rebuilding a ticket from its log: fold {@link transition} over the stored events. A step the
 * rules refuse means the log was written around the workflow, so replay throws.
 */
import { IntegrityError } from '../../errors.js'
import { transition } from './machine.js'
import type { Person, Refusal, TicketEvent, TicketState } from './types.js'

/** A stored event the workflow refuses: the log was written around the rules. */
export class ReplayError extends IntegrityError {
  /** Position of the refused event in the list replayed (0-based). */
  readonly index: number
  readonly event: TicketEvent | undefined
  readonly refusal: Refusal | undefined

  constructor(message: string, index: number, event?: TicketEvent, refusal?: Refusal) {
    super(message, { details: { index, event, refusal } })
    this.index = index
    this.event = event
    this.refusal = refusal
  }
}

/** Options of {@link replay}. */
export interface ReplayOptions {
  /** For names in error messages only; replay does not re-check who held which office. */
  readonly people?: readonly Person[]
}

/**
 * The state of a ticket after its events, in log order.
 *
 * Replay runs in `log` mode: every structural rule is checked again (order of states, the
 * signing order, versions and hashes, self-approval, decisions once, reasons, deadlines as the
 * events recorded them), while office holders and policy limits are taken as recorded.
 *
 * @throws ReplayError when the list is empty or an event is refused.
 */
export function replay(events: readonly TicketEvent[], options: ReplayOptions = {}): TicketState {
  let state: TicketState | undefined
  events.forEach((event, index) => {
    const result = transition(state, event, { mode: 'log', ...(options.people ? { people: options.people } : {}) })
    if (result.refused) {
      const where = state ? `ticket #${state.id}` : 'a new ticket'
      throw new ReplayError(`event ${index + 1} (${event.type} by ${event.actor} at ${event.at}) on ${where} breaks the workflow: ${result.message}`, index, event, result)
    }
    state = result.state
  })
  if (!state) throw new ReplayError('there are no events to replay; a ticket starts with "opened"', 0)
  return state
}
