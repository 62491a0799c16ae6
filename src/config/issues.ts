/**
 * Problems in lianxin.yaml, written for the person who has to fix them: each names the key
 * path, the line and column, what is wrong and what was expected. All problems of one file
 * become ONE ConfigError.
 */
import { z } from 'zod'
import { ConfigError } from '../errors.js'
import { formatPath, type KeyPath, type YamlSource } from './yaml-source.js'

/** One problem, located in the file (line/column) or in the environment (origin). */
export interface ConfigIssue {
  /** Key path such as `zones[3].id`; `''` for the whole file. */
  path: string
  /** 1-based line in the file; absent when the value came from the environment or a flag. */
  line?: number
  /** 1-based column in the file. */
  column?: number
  message: string
  /** What would have been accepted, e.g. `string`, `URL`, `one of street, town, park`. */
  expected?: string
  /** Where a value that did not come from the file came from, e.g. `LIANXIN_DATABASE_URL`. */
  origin?: string
}

/** `details` of the ConfigError thrown for an invalid config. */
export interface ConfigErrorDetails {
  file: string
  issues: ConfigIssue[]
}

/** Values that did not come from the file, by key path (e.g. `database.url` → `LIANXIN_DATABASE_URL`). */
export type OriginMap = ReadonlyMap<string, string>

const KIND_WORDS: Record<string, string> = {
  object: 'a mapping (key: value lines)',
  array: 'a list (lines starting with "- ")',
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
}

function describeValue(value: unknown): string {
  if (value === null) return 'an empty value'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`
  return `${typeof value} ${String(value)}`
}

/** The keys an object schema accepts at `path`, for "did you mean" hints. */
function keysAt(schema: z.ZodType, path: KeyPath): string[] {
  let current: unknown = schema
  const unwrap = (node: unknown): unknown => {
    for (let i = 0; i < 10; i++) {
      if (node instanceof z.ZodOptional || node instanceof z.ZodDefault || node instanceof z.ZodPrefault || node instanceof z.ZodNullable) node = node.unwrap()
      else if (node instanceof z.ZodPipe) node = node.out instanceof z.ZodTransform ? node.in : node.out
      else return node
    }
    return node
  }
  for (const key of path) {
    current = unwrap(current)
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, unknown>)[String(key)]
    else if (current instanceof z.ZodArray) current = current.element
    else return []
  }
  current = unwrap(current)
  return current instanceof z.ZodObject ? Object.keys(current.shape) : []
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length] ?? 0
}

function didYouMean(key: string, allowed: string[]): string {
  const best = allowed.map((name) => ({ name, d: distance(key.toLowerCase(), name.toLowerCase()) })).sort((a, b) => a.d - b.d)[0]
  if (best !== undefined && best.d <= Math.max(2, Math.floor(best.name.length / 3))) return `; did you mean "${best.name}"?`
  return allowed.length > 0 ? ` (allowed here: ${allowed.join(', ')})` : ''
}

function expectedOf(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'invalid_type') return issue.expected
  if (issue.code === 'invalid_value') return `one of ${issue.values.map(String).join(', ')}`
  if (issue.code === 'custom') {
    const expected: unknown = issue.params?.expected
    return typeof expected === 'string' ? expected : undefined
  }
  return undefined
}

/** Turns zod issues into located, readable issues (one per unknown key). */
export function toConfigIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, source: YamlSource | undefined, origins: OriginMap, prefix: KeyPath = []): ConfigIssue[] {
  const out: ConfigIssue[] = []
  const place = (relative: KeyPath, key = false): Pick<ConfigIssue, 'line' | 'column' | 'origin'> => {
    const path = [...prefix, ...relative]
    const text = formatPath(path)
    for (const [overridden, origin] of origins) {
      if (text === overridden || text.startsWith(`${overridden}.`) || text.startsWith(`${overridden}[`)) return { origin }
    }
    const at = source?.locate(path, { key })
    return at === undefined ? {} : { line: at.line, column: at.column }
  }
  for (const issue of issues) {
    const path = issue.path as PropertyKey[]
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAt(schema, path)
      for (const key of issue.keys) {
        out.push({ path: formatPath([...prefix, ...path, key]), ...place([...path, key], true), message: `unknown key "${key}"${didYouMean(key, allowed)}` })
      }
      continue
    }
    let message = issue.message
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      const wanted = message.startsWith('Invalid input') ? (KIND_WORDS[issue.expected] ?? issue.expected) : message
      message = `missing required key "${String(path[path.length - 1] ?? '')}" (${wanted})`
    } else if (issue.code === 'invalid_type') {
      const wanted = message.startsWith('Invalid input') ? `expected ${KIND_WORDS[issue.expected] ?? issue.expected}` : message
      message = `${wanted}, got ${describeValue(issue.input)}`
    } else if (issue.code === 'invalid_value' && issue.input !== undefined) {
      message = `${message} (got ${describeValue(issue.input)})`
    }
    // Cross-checks point at a related place: where a duplicate was first defined, the user entry…
    const related: unknown = issue.code === 'custom' ? issue.params?.firstPath : undefined
    if (Array.isArray(related)) {
      const label = issue.code === 'custom' && typeof issue.params?.relatedLabel === 'string' ? issue.params.relatedLabel : 'first defined'
      const at = source?.locate([...prefix, ...(related as PropertyKey[])])
      message += at === undefined ? ` (${label} at ${formatPath([...prefix, ...(related as PropertyKey[])])})` : ` (${label} at line ${at.line})`
    }
    const expected = expectedOf(issue)
    out.push({ path: formatPath([...prefix, ...path]), ...place(path), message, ...(expected === undefined ? {} : { expected }) })
  }
  return out
}

/** One line of the error message: `lianxin.yaml:12:5  zones[1].id: duplicate zone id …`. */
export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.origin ?? (issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`)
  return `${where}  ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`
}

function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  const rank = (issue: ConfigIssue) => (issue.origin === undefined ? 0 : 1)
  return rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)
}

/** The single ConfigError for a file with problems; `details` is {@link ConfigErrorDetails}. */
export function configIssuesError(file: string, issues: ConfigIssue[], options: { title?: string; suggestions?: string[] } = {}): ConfigError {
  const sorted = [...issues].sort(byPosition)
  const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`
  const lines = sorted.map((issue) => formatIssue(file, issue))
  const details: ConfigErrorDetails = { file, issues: sorted }
  return new ConfigError(`${options.title ?? file} is not valid (${count}):\n${lines.join('\n')}`, {
    details,
    suggestions: options.suggestions ?? ['run "lianxin config check" after fixing', 'docs/config.md describes every key'],
  })
}
