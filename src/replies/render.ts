/** What an approver reads before signing, as text for a terminal. */
import type { LianxinConfig } from '../config/schema.js'
import { formatLocal } from '../tickets/clocks/index.js'
import { unitName } from '../tickets/render.js'
import type { ApprovalBrief } from './service.js'

const ROLE: Record<string, string> = { 'bureau-head': '区信访局主要领导 (bureau head)', 'supervising-leader': '区主管领导 (supervising leader)' }

export function renderBrief(brief: ApprovalBrief, config: LianxinConfig): string {
  const tz = config.district.timezone
  const out: string[] = [`Ticket #${brief.ticketId} · ${brief.state.status}${brief.role ? ` · waiting for ${ROLE[brief.role] ?? brief.role}` : ''}`, '']
  out.push("The citizen's post:")
  for (const p of brief.posts) {
    out.push(`  ${p.title}  [${p.sourceId}${p.url ? ` ${p.url}` : ''}]`)
    for (const line of p.body.split(/\n+/)) if (line.trim() !== '') out.push(`  │ ${line.trim()}`)
  }
  out.push('', `Routing: lead ${unitName(config, brief.routing.lead)}, assist ${brief.routing.assist.map((a) => unitName(config, a)).join('、') || '-'}`)
  for (const r of brief.routing.reasons) out.push(`  - ${r}`)
  if (brief.draft) {
    out.push('', `Reply, version ${brief.draft.version} by ${brief.draft.author} (sha256 ${brief.draft.textSha256}):`)
    for (const line of brief.draft.text.split('\n')) out.push(`  ┃ ${line}`)
  } else out.push('', 'No reply drafted yet.')
  if (brief.history.length > 0) {
    out.push('', 'History:')
    for (const h of brief.history) out.push(`  ${formatLocal(Date.parse(h.at), tz).slice(0, 16)}  ${h.actor.padEnd(10)} ${h.what}`)
  }
  out.push('', brief.findings.length === 0 ? 'Reply check: nothing obvious (this is not an approval).' : 'Reply check (for your judgement; it approves nothing):')
  for (const f of brief.findings) out.push(`  ${f.severity === 'warning' ? '!' : '·'} ${f.message}${f.excerpt ? ` 「${f.excerpt}」` : ''}`)
  return out.join('\n')
}
