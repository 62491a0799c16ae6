/**
 * YAML files other than lianxin.yaml that people edit (the urgency and appeal lexicons), read the
 * way lianxin.yaml is: strict UTF-8, YAML syntax, then a zod schema, with every problem located
 * by key path and line in one ConfigError.
 */
import { readFileSync } from 'node:fs'
import type { z } from 'zod'
import { ConfigError } from '../errors.js'
import { configIssuesError, toConfigIssues, type ConfigIssue } from './issues.js'
import { YamlSource, decodeConfig } from './yaml-source.js'

/** How problems of one kind of file are reported. */
export interface YamlFileReport {
  /** What the file is, e.g. `urgency lexicon`; the message starts `<what> <file> is not valid`. */
  what: string
  suggestions: string[]
  /** Rewrites an issue (e.g. to name the keys allowed where the shared hints cannot see). */
  mapIssue?: (issue: ConfigIssue) => ConfigIssue
}

/** Parses and validates YAML text against `schema`. @throws ConfigError listing every problem. */
export function parseYamlWith<S extends z.ZodType>(schema: S, input: string | Uint8Array, fileName: string, report: YamlFileReport): z.output<S> {
  const fail = (issues: ConfigIssue[]) => configIssuesError(fileName, issues, { title: `${report.what} ${fileName}`, suggestions: report.suggestions })
  const decoded = decodeConfig(input, fileName)
  if ('issue' in decoded) throw fail([decoded.issue])
  const source = new YamlSource(decoded.text)
  const syntax = source.syntaxIssues()
  if (syntax.length > 0) throw fail(syntax)
  const result = schema.safeParse(source.doc.toJS({ maxAliasCount: 100 }), { reportInput: true })
  if (result.success) return result.data
  const issues = toConfigIssues(result.error.issues, schema, source, new Map())
  throw fail(report.mapIssue ? issues.map(report.mapIssue) : issues)
}

/** The bytes of a file people edit, or a ConfigError saying which file could not be read. */
export function readYamlFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path)
  } catch (cause) {
    throw new ConfigError(`cannot read the ${what} ${path}: ${(cause as Error).message}`, { cause })
  }
}
