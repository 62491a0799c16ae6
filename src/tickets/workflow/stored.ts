/**
 * Between workflow events and the store's hash-chained log (src/store/events.ts): stored
 * ticket events are typed `ticket.<event>` on the stream `ticket:<id>`, and the store adds the
 * ticket id to every payload.
 */
import type { StoredEvent } from '../../store/events.js'
import { ALLOWED } from './machine.js'
import { replay, type ReplayOptions } from './replay.js'
import type { TicketEvent, TicketEventType, TicketState } from './types.js'

const PREFIX = 'ticket.'

/** Whether a stored type (`ticket.approved`) is a workflow event; `ticket.post-linked` is not. */
export function isWorkflowType(type: string): boolean {
  return type.startsWith(PREFIX) && Object.hasOwn(ALLOWED, type.slice(PREFIX.length))
}

/** The workflow event of a stored one, or undefined for the ticket's other events. */
export function ticketEventFromStored(stored: StoredEvent): TicketEvent | undefined {
  if (!isWorkflowType(stored.type)) return undefined
  const type = stored.type.slice(PREFIX.length) as TicketEventType
  const raw = typeof stored.payload === 'object' && stored.payload !== null ? (stored.payload as Record<string, unknown>) : {}
  const { ticketId, ...rest } = raw
  const payload = type === 'opened' ? { ...rest, ticketId } : rest
  return { type, actor: stored.actor, at: stored.at, payload } as unknown as TicketEvent
}

/** What to pass to `appendTicketEvent` for a transition's `record`. */
export function storedEventInput(event: TicketEvent): { type: string; actor: string; payload: Record<string, unknown> } {
  return { type: `${PREFIX}${event.type}`, actor: event.actor, payload: { ...event.payload } }
}

/**
 * A ticket rebuilt from its stored stream (`listEvents(session, { stream: 'ticket:<id>' })`).
 *
 * @throws ReplayError when a stored step breaks the workflow.
 */
export function replayStored(events: readonly StoredEvent[], options: ReplayOptions = {}): TicketState {
  return replay(
    events.map(ticketEventFromStored).filter((e): e is TicketEvent => e !== undefined),
    options,
  )
}
