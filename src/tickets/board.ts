import type { LianxinConfig } from '../config/schema.js'
import type { TicketSummary } from '../store/tickets.js'

const URGENCY_ORDER: Record<string, number> = { 特急: 0, 紧急: 1, 一般: 2 }

/** Open tickets, most urgent first, then oldest first. */
export function sortBoard(tickets: TicketSummary[]): TicketSummary[] {
  return [...tickets].sort(
    (a, b) => (URGENCY_ORDER[a.urgency ?? '一般'] ?? 3) - (URGENCY_ORDER[b.urgency ?? '一般'] ?? 3) || a.openedAt.localeCompare(b.openedAt) || a.id - b.id,
  )
}

/** A fixed-width board for a terminal (CJK characters count as two columns). */
export function renderBoard(tickets: TicketSummary[], config: LianxinConfig | undefined, now: Date): string {
  const owner = (id: string | null) =>
    id === null
      ? '-'
      : (config?.zones.find((z) => z.id === id)?.name ?? config?.departments.find((d) => d.id === id)?.short ?? (config?.fallback.id === id ? config.fallback.name : id))
  const rows = sortBoard(tickets).map((t) => [
    `#${t.id}`,
    t.urgency ?? '-',
    t.status,
    t.topic ?? '-',
    owner(t.lead),
    t.assist.map((a) => owner(a)).join('、') || '-',
    age(t.openedAt, now),
    truncate(t.title, 30),
  ])
  const header = ['ID', '紧急程度', 'STATUS', '类别', '牵头', '协办', 'AGE', '标题']
  const table = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...table.map((r) => width(r[i] ?? ''))))
  return table.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : pad(cell, widths[i] ?? 0))).join('  ')).join('\n')
}

function age(iso: string, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 60_000))
  if (minutes < 60) return `${minutes}m`
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)}h`
  return `${Math.round(minutes / 1440)}d`
}

/** Display width: East Asian wide characters take two columns. */
export function width(text: string): number {
  let w = 0
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1
  return w
}

function pad(text: string, to: number): string {
  return text + ' '.repeat(Math.max(0, to - width(text)))
}

function truncate(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ')]
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('')
}
