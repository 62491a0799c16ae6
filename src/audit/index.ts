import { IntegrityError, UsageError } from '../errors.js'
import type { Session } from '../store/session.js'
import { verifyChain, type Anchor, type VerifyReport } from './verify.js'

export * from './canonical.js'
export * from './chain.js'
export * from './verify.js'

/** Reads `SEQ:HASH` as given to `audit verify --anchor`. */
export function parseAnchor(text: string): Anchor {
  const match = /^(\d+):([0-9a-f]{64})$/i.exec(text.trim())
  if (!match) {
    throw new UsageError(`--anchor "${text}" is not SEQ:HASH (a number, a colon and 64 hex digits)`, {
      suggestions: ['Copy the "head:" line that an earlier "lianxin audit verify" printed.'],
    })
  }
  return { seq: Number(match[1]), hash: (match[2] as string).toLowerCase() }
}

/** Verifies the log and throws an IntegrityError (exit code 7) carrying the report if it is broken. */
export async function checkChain(session: Session, anchors: Anchor[] = []): Promise<VerifyReport> {
  const report = await verifyChain(session, anchors)
  if (report.ok) return report
  const lines = report.findings.slice(0, 10).map((f) => `  ${f.kind.padEnd(15)} ${f.message}`)
  const more = report.findings.length > 10 ? [`  … and ${report.findings.length - 10} more`] : []
  throw new IntegrityError(
    `the event log has been tampered with: ${report.first?.message ?? 'unknown'}\n${[...lines, ...more].join('\n')}`,
    {
      details: report,
      suggestions: [
        'Do not write to this store until it is investigated; copy the database file (or dump the schema) as evidence.',
        'Compare with a backup or an anchor recorded earlier to see what the original events were.',
      ],
    },
  )
}
