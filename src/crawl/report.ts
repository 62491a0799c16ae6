import { SourceError } from '../errors.js'
import type { CrawlSummary } from './run.js'

/** A table of what each source did, for people. */
export function renderCrawlSummary(summary: CrawlSummary): string {
  const header = ['SOURCE', 'KIND', 'STATUS', 'PAGES', 'NEW', 'UPDATED', 'REQUESTS', 'ROBOTS.TXT']
  const rows = summary.sources.map((s) => [s.id, s.kind, s.status, s.pages, s.new, s.updated, s.requests, s.robots].map(String))
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  const notes = summary.sources.flatMap((s) => [
    ...s.errors.map((e) => `  ${s.id}: ${e}`),
    ...(s.backoffUntil ? [`  ${s.id}: backed off until ${s.backoffUntil}`] : []),
  ])
  const total = `${summary.dryRun ? 'dry run: would store' : 'stored'} ${summary.totals.new} new and ${summary.totals.updated} updated posts from ${summary.totals.pages} pages`
  return [line(header), ...rows.map(line), '', total, ...(notes.length > 0 ? ['', 'problems:', ...notes] : [])].join('\n')
}

/** The error to exit with (code 8) when a source failed or was blocked; the summary rides along. */
export function crawlOutcomeError(summary: CrawlSummary): SourceError | undefined {
  const bad = summary.sources.filter((s) => s.status === 'failed' || s.status === 'blocked')
  if (bad.length === 0) return undefined
  return new SourceError(`${bad.length} of ${summary.sources.length} sources did not finish: ${bad.map((s) => `${s.id} (${s.status}${s.blockedBy ? `: ${s.blockedBy}` : ''})`).join(', ')}`, {
    details: summary,
    suggestions: ['The other sources were crawled and stored. Run "lianxin sources list" to see error streaks and back-offs.'],
  })
}
