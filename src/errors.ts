/**
 * The few error classes that decide behaviour. Each carries the exit code the CLI maps it to
 * (in one place: src/cli/base-command.ts) and, where it helps, what the person can do next.
 *
 * Exit codes (documented in README.md):
 *   0 ok · 1 unexpected (a bug) · 2 usage (bad flags or arguments) · 3 config · 4 store
 *   5 not found · 6 refused (rule, permission, approval) · 7 integrity (tampering found)
 *   8 source failure (a crawl source failed or is blocked)
 */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  config: 3,
  store: 4,
  notFound: 5,
  refused: 6,
  integrity: 7,
  source: 8,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export interface LianxinErrorOptions {
  cause?: unknown
  /** What the person can do about it, shown under the message. */
  suggestions?: string[]
  /** Machine-readable detail, included in `--json` output. */
  details?: unknown
}

export abstract class LianxinError extends Error {
  abstract readonly exitCode: ExitCode
  /** Stable machine-readable code, e.g. `CONFIG_INVALID`. */
  abstract readonly code: string
  readonly suggestions: string[]
  readonly details: unknown

  constructor(message: string, options: LianxinErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.suggestions = options.suggestions ?? []
    this.details = options.details
  }
}

/** lianxin.yaml (or the environment) is missing, unreadable or invalid. */
export class ConfigError extends LianxinError {
  readonly exitCode = ExitCode.config
  readonly code = 'CONFIG_INVALID'
}

/** The store cannot be opened, migrated or written. */
export class StoreError extends LianxinError {
  readonly exitCode = ExitCode.store
  readonly code = 'STORE_FAILED'
}

/** A ticket, post, person or source that was asked for does not exist. */
export class NotFoundError extends LianxinError {
  readonly exitCode = ExitCode.notFound
  readonly code = 'NOT_FOUND'
}

/** The action breaks a rule: wrong state, wrong person, missing signature, data may not be deleted. */
export class RefusedError extends LianxinError {
  readonly exitCode = ExitCode.refused
  readonly code: string
  constructor(message: string, options: LianxinErrorOptions & { code?: string } = {}) {
    super(message, options)
    this.code = options.code ?? 'REFUSED'
  }
}

/** The tamper-evident record does not verify. */
export class IntegrityError extends LianxinError {
  readonly exitCode = ExitCode.integrity
  readonly code = 'INTEGRITY_BROKEN'
}

/** A crawl source failed or is blocked; other sources are not affected. */
export class SourceError extends LianxinError {
  readonly exitCode = ExitCode.source
  readonly code: string
  constructor(message: string, options: LianxinErrorOptions & { code?: string } = {}) {
    super(message, options)
    this.code = options.code ?? 'SOURCE_FAILED'
  }
}

/** The human-readable message of anything thrown, with its causes. */
export function describeError(err: unknown): string {
  const parts: string[] = []
  let current: unknown = err
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(current instanceof Error ? current.message : String(current))
    current = current instanceof Error ? current.cause : undefined
  }
  return parts.join(': ')
}

/** A flag or argument is malformed (oclif's own parse errors use the same exit code). */
export class UsageError extends LianxinError {
  readonly exitCode = ExitCode.usage
  readonly code = 'USAGE'
}
