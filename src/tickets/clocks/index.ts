/**
 * The five "五个一" clocks of a ticket: working calendar, timing and alerts.
 * docs/workflow.md gives the exact counting rules. Re-exports only.
 */
export {
  DAY_MS,
  countedBetween,
  formatLocal,
  instantAfter,
  isWorkingDay,
  localDate,
  localMidnight,
  type ClockBasis,
  type Interval,
  type WorkingCalendar,
} from './calendar.js'
export {
  CLOCK_TARGETS,
  calendarOf,
  clockTiming,
  durationMs,
  type ClockExtension,
  type ClockPause,
  type ClockPolicy,
  type ClockRecord,
  type ClockSettings,
  type ClockTiming,
  type SlaPolicy,
  type TicketClocks,
} from './clock.js'
export { ALERT_LEVELS, alertKey, clockStatus, dueEvents, type AlertLevel, type ClockState, type ClockStatus, type DueEvent } from './status.js'
