/**
 * Tickets as people read them in a terminal: the list with the next deadline, and one ticket in
 * full. Times are local to the district.
 */
import type { LianxinConfig } from '../config/schema.js'
import { width } from './board.js'
import { formatLocal } from './clocks/index.js'
import type { Inbox } from './inbox.js'
import type { BureauReport } from './report.js'
import type { CaseDetail, CaseRow } from './query.js'

const CLOCK_LABEL: Record<string, string> = { accept: '一时接访', assign: '一日交办', characterise: '一周定性', reply: '一旬答复', close: '一月办结' }

/** "3d 4h", "-2h 10m" for a span of ms. */
export function formatSpan(ms: number): string {
  const sign = ms < 0 ? '-' : ''
  let m = Math.round(Math.abs(ms) / 60_000)
  const d = Math.floor(m / 1440)
  m -= d * 1440
  const h = Math.floor(m / 60)
  m -= h * 60
  const parts = d > 0 ? [`${d}d`, `${h}h`] : h > 0 ? [`${h}h`, `${m}m`] : [`${m}m`]
  return sign + parts.join(' ')
}

/** The name of a zone or department. */
export function unitName(config: Pick<LianxinConfig, 'zones' | 'departments' | 'fallback'>, id: string | null): string {
  if (id === null) return '-'
  return config.zones.find((z) => z.id === id)?.name ?? config.departments.find((d) => d.id === id)?.short ?? (config.fallback.id === id ? config.fallback.name : id)
}

function pad(text: string, to: number): string {
  return text + ' '.repeat(Math.max(0, to - width(text)))
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))))
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : pad(cell, widths[i] ?? 0))).join('  ')).join('\n')
}

/** The ticket list: id, urgency, status, lead, the next deadline and how much time is left. */
export function renderCaseList(rows: readonly CaseRow[], config: LianxinConfig): string {
  const tz = config.district.timezone
  const body = rows.map((r) => [
    `#${r.id}`,
    r.urgency ?? '-',
    r.status,
    unitName(config, r.lead),
    r.next ? `${CLOCK_LABEL[r.next.name] ?? r.next.name} ${formatLocal(Date.parse(r.next.dueAt), tz).slice(5, 16)}` : '-',
    r.next ? (r.next.remainingMs < 0 ? `OVERDUE ${formatSpan(-r.next.remainingMs)}` : formatSpan(r.next.remainingMs)) : '-',
    [...[...r.title.replace(/\s+/g, ' ')].slice(0, 28)].join(''),
  ])
  return table([['ID', '紧急', 'STATUS', '牵头', 'NEXT DEADLINE', 'LEFT', '标题'], ...body])
}

/** What is waiting for one person: each case, what to do, the command, and the time left. */
export function renderInbox(inbox: Inbox, config: LianxinConfig): string {
  const who = config.users.find((u) => u.name === inbox.user)?.displayName ?? inbox.user
  if (inbox.items.length === 0) return `${who} (${inbox.user}): nothing is waiting for you.`
  const tz = config.district.timezone
  const overdue = inbox.items.filter((i) => i.clock?.overdue).length
  const head = `${who} (${inbox.user}): ${inbox.items.length} waiting${overdue > 0 ? `, ${overdue} overdue` : ''}`
  const body = inbox.items.map((i) => [
    `#${i.ticket}`,
    i.urgency ?? '-',
    i.clock ? `${CLOCK_LABEL[i.clock.name] ?? i.clock.name} ${formatLocal(Date.parse(i.clock.dueAt), tz).slice(5, 16)}` : '-',
    i.clock ? (i.clock.remainingMs < 0 ? `OVERDUE ${formatSpan(-i.clock.remainingMs)}` : formatSpan(i.clock.remainingMs)) : '-',
    `${[...[...i.title.replace(/\s+/g, ' ')].slice(0, 20)].join('')}: ${i.action}\n      ${i.command}`,
  ])
  return `${head}\n${table([['ID', '紧急', 'DEADLINE', 'LEFT', 'WHAT TO DO'], ...body])}`
}

const percent = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`)

/** The period's figures: cases and 办结率, the five clocks, 满意率, and the units of the "10+N". */
export function renderReport(report: BureauReport, config: LianxinConfig, period: { from: string; to: string }): string {
  const c = report.cases
  const lines = [
    `${config.district.name}, cases opened ${period.from} ≤ day < ${period.to}: ${c.received} received, ${c.closed} closed, ${c.open} open, ${c.merged} merged; 办结率 ${percent(c.completionRate)}`,
    `满意率 ${percent(report.satisfaction.rate)} (${report.satisfaction.satisfied} satisfied of ${report.satisfaction.rated} rated)`,
    '',
    table([
      ['五个一', 'KEPT', 'LATE', 'OVERDUE', 'RUNNING', 'ON TIME'],
      ...Object.entries(report.clocks).map(([name, f]) => [CLOCK_LABEL[name] ?? name, String(f.met), String(f.late), String(f.overdue), String(f.pending), percent(f.rate)]),
    ]),
  ]
  if (report.units.length > 0) {
    lines.push('', table([['UNIT', 'LED', 'ASSISTED', 'MISSED CLOCKS', '退单', '满意率'], ...report.units.map((u) => [unitName(config, u.unit), String(u.led), String(u.assisted), String(u.missed), String(u.handBacks), percent(u.satisfaction)])]))
  }
  return lines.join('\n')
}

/** One ticket in full. */
export function renderCase(detail: CaseDetail, config: LianxinConfig): string {
  const { state, summary } = detail
  const tz = config.district.timezone
  const out: string[] = []
  out.push(`#${state.id} ${summary.title}`)
  out.push(`status ${state.status} · topic ${state.topic ?? '-'} · urgency ${state.urgency ?? '-'} · round ${state.round} · opened ${formatLocal(Date.parse(state.openedAt), tz)}`)
  if (state.mergedInto !== undefined) out.push(`merged into #${state.mergedInto}`)
  out.push('', 'Posts:')
  for (const p of detail.posts) {
    out.push(`  [${p.sourceId}] ${p.title} (${p.url ?? 'no address'}; ${p.linkReason})`)
    out.push(`    ${[...p.body.replace(/\s+/g, ' ')].slice(0, 160).join('')}`)
  }
  out.push('', 'Routing (as triage proposed it):')
  out.push(`  lead ${unitName(config, detail.routing.lead)} · assist ${detail.routing.assist.map((a) => unitName(config, a)).join('、') || '-'} · zone ${unitName(config, detail.routing.zone)}`)
  for (const reason of detail.routing.reasons) out.push(`  - ${reason}`)
  if (state.lead !== undefined) {
    out.push('', 'Assignment:')
    for (const s of state.subtasks) out.push(`  ${s.role === 'lead' ? 'lead  ' : 'assist'} ${unitName(config, s.owner)} (${s.owner}): ${s.status}`)
    for (const [owner, n] of Object.entries(state.handBacks)) out.push(`  hand-backs by ${owner}: ${n}`)
  }
  if (state.characterisation) out.push('', `Characterisation: ${state.characterisation.kind} (${state.characterisation.status}, by ${state.characterisation.by})`)
  out.push('', 'Clocks:')
  for (const c of detail.clocks) {
    const left = c.stoppedAt !== undefined ? `stopped ${formatLocal(Date.parse(c.stoppedAt), tz).slice(0, 16)}` : c.remainingMs < 0 ? `overdue by ${formatSpan(-c.remainingMs)}` : `${formatSpan(c.remainingMs)} left`
    out.push(`  ${pad(CLOCK_LABEL[c.name] ?? c.name, 8)} ${pad(c.state, 9)} due ${formatLocal(Date.parse(c.dueAt), tz).slice(0, 16)} (${c.basis}) · ${left}`)
  }
  if (state.draft) out.push('', `Reply: version ${state.draft.version} by ${state.draft.author}, sha256 ${state.draft.textSha256.slice(0, 16)}…`)
  for (const d of state.decisions) out.push(`  ${d.decision} v${d.version} as ${d.role} by ${d.by} at ${formatLocal(Date.parse(d.at), tz).slice(0, 16)}${d.reason ? `: ${d.reason}` : ''}`)
  for (const p of state.publications) out.push(`  published v${p.version} via ${p.channel}${p.url ? ` at ${p.url}` : ''}`)
  for (const r of state.ratings) out.push(`  rated ${String(r.grade)} (${r.source}) round ${r.round}${r.comment ? `: ${r.comment}` : ''}`)
  out.push('', 'Events:')
  for (const e of detail.events) out.push(`  ${String(e.seq).padStart(5)} ${formatLocal(Date.parse(e.at), tz).slice(0, 16)} ${pad(e.type, 26)} ${e.actor}`)
  return out.join('\n')
}
