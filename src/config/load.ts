/**
 * Finding, reading and validating lianxin.yaml.
 *
 * File lookup: `--config` flag > `LIANXIN_CONFIG` > `<cwd>/lianxin.yaml`.
 * Values: flag > env (`LIANXIN_*`) > file > default (see ./overrides.ts and docs/config.md).
 */
import { readFile, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { DEFAULT_SQLITE_FILE, normaliseDatabaseUrl } from './database.js'
import { configIssuesError, toConfigIssues } from './issues.js'
import { applyOverrides, envValue, type AppliedOverride, type ConfigFlagValues, type ValueOrigin } from './overrides.js'
import { lianxinConfigSchema, type LianxinConfig } from './schema.js'
import { YamlSource, decodeConfig, type KeyPath } from './yaml-source.js'
import type { z } from 'zod'

/** The file name looked for in the working directory. */
export const CONFIG_FILE_NAME = 'lianxin.yaml'

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** Environment to read `LIANXIN_*` overrides from; none when absent. */
  env?: NodeJS.ProcessEnv
  /** Command-line values, which win over the environment. */
  flags?: ConfigFlagValues
  /** Receives the overrides that were applied. */
  onOverrides?: (applied: AppliedOverride[]) => void
  /**
   * Settings that other modules validate (a source's or a channel's `options`): each is checked
   * against its module's schema after the config itself is valid, and its problems are reported
   * like the config's own, with their lines.
   */
  nested?: (config: LianxinConfig) => NestedSettings[]
}

/** A block of the config that another module validates: where it is, its schema, its value. */
export interface NestedSettings {
  at: KeyPath
  schema: z.ZodType
  value: unknown
}

/**
 * Parses and validates the text (or bytes) of lianxin.yaml.
 *
 * @param fileName shown in messages, e.g. `lianxin.yaml` → `lianxin.yaml:12:5  zones[1].id: …`
 * @throws ConfigError listing every problem, with `details: { file, issues }`.
 */
export function parseConfig(input: string | Uint8Array, fileName: string, options: ParseConfigOptions = {}): LianxinConfig {
  const decoded = decodeConfig(input, fileName)
  if ('issue' in decoded) throw configIssuesError(fileName, [decoded.issue])
  const source = new YamlSource(decoded.text)
  const syntax = source.syntaxIssues()
  if (syntax.length > 0) throw configIssuesError(fileName, syntax)
  if (source.doc.contents === null) {
    throw configIssuesError(fileName, [
      { path: '', line: 1, column: 1, message: `the file is empty; run "lianxin init" to write a commented ${CONFIG_FILE_NAME}`, expected: 'a mapping' },
    ])
  }
  const data: unknown = source.doc.toJS({ maxAliasCount: 100 })
  const applied = applyOverrides(data, options.env ?? {}, options.flags)
  options.onOverrides?.(applied)
  const result = lianxinConfigSchema.safeParse(data, { reportInput: true })
  const origins = new Map(applied.map((override) => [override.path, override.label]))
  if (!result.success) throw configIssuesError(fileName, toConfigIssues(result.error.issues, lianxinConfigSchema, source, origins))
  const nested = (options.nested?.(result.data) ?? []).flatMap(({ at, schema, value }) => {
    const checked = schema.safeParse(value, { reportInput: true })
    return checked.success ? [] : toConfigIssues(checked.error.issues, schema, source, origins, at)
  })
  if (nested.length > 0) throw configIssuesError(fileName, nested)
  return result.data
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Path from the `--config` flag. */
  flagPath?: string
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** @default process.cwd() */
  cwd?: string
  /** When false, a missing lianxin.yaml gives `null` instead of an error. @default true */
  required?: boolean
  /** Values from command-line flags (win over env and file). */
  flags?: ConfigFlagValues
  /** See {@link ParseConfigOptions.nested}. */
  nested?: ParseConfigOptions['nested']
}

/** A validated config and what was resolved around it. */
export interface LoadedConfig {
  config: LianxinConfig
  /** Absolute path of the file read. */
  file: string | undefined
  /** Directory relative paths are resolved against: the file's directory, or cwd. */
  baseDir: string
  /** `sqlite:/abs/path.sqlite`, `sqlite::memory:` or the postgres URL as given. */
  databaseUrl: string
  databaseSchema: string | undefined
  /** Where `databaseUrl` came from. */
  databaseUrlOrigin: ValueOrigin
  /** The flag and env overrides that were applied. */
  overrides: AppliedOverride[]
}

async function kindOf(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const info = await stat(path)
    return info.isDirectory() ? 'dir' : 'file'
  } catch {
    return undefined
  }
}

/** Which file to read, or undefined when none was asked for and none is in cwd. */
async function findConfigFile(flagPath: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Promise<string | undefined> {
  const fromEnv = envValue(env, 'LIANXIN_CONFIG')
  const asked = flagPath ?? fromEnv
  if (asked === undefined) {
    const candidate = join(cwd, CONFIG_FILE_NAME)
    return (await kindOf(candidate)) === 'file' ? candidate : undefined
  }
  const via = flagPath === undefined ? `LIANXIN_CONFIG=${asked}` : `--config ${asked}`
  const path = resolve(cwd, asked)
  const kind = await kindOf(path)
  if (kind === 'file') return path
  if (kind === 'dir' && (await kindOf(join(path, CONFIG_FILE_NAME))) === 'file') return join(path, CONFIG_FILE_NAME)
  throw new ConfigError(`config file ${path} (from ${via}) does not exist`, {
    details: { file: path, issues: [{ path: '', origin: flagPath === undefined ? 'LIANXIN_CONFIG' : '--config', message: 'file does not exist' }] },
    suggestions: ['check the path', `run "lianxin init --config ${asked}" to write one there`],
  })
}

/** How to show `file` in messages: relative to cwd when inside it. */
function displayName(file: string, cwd: string): string {
  const rel = relative(cwd, file)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}

/**
 * Finds, reads and validates lianxin.yaml, applying env and flag overrides.
 *
 * @returns the config, or `null` when there is no file and `required` is false.
 * @throws ConfigError when a named file is missing, no file is found (and one is required),
 *   or the file is invalid.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig | null> {
  const cwd = resolve(options.cwd ?? process.cwd())
  const env = options.env ?? process.env
  const file = await findConfigFile(options.flagPath, env, cwd)
  if (file === undefined) {
    if (options.required === false) return null
    throw new ConfigError(`no ${CONFIG_FILE_NAME} in ${cwd}`, {
      suggestions: ['run "lianxin init" to write a commented one for 平房区', 'or point to one with --config PATH or LIANXIN_CONFIG'],
    })
  }
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (err) {
    throw new ConfigError(`cannot read ${file}`, { cause: err, suggestions: ['check the file permissions'] })
  }
  let overrides: AppliedOverride[] = []
  const config = parseConfig(bytes, displayName(file, cwd), {
    env,
    flags: options.flags,
    onOverrides: (applied) => (overrides = applied),
    ...(options.nested ? { nested: options.nested } : {}),
  })
  const baseDir = dirname(file)
  const urlOverride = overrides.find((override) => override.key === 'databaseUrl')
  return {
    config,
    file,
    baseDir,
    databaseUrl: normaliseDatabaseUrl(config.database.url ?? `sqlite:${DEFAULT_SQLITE_FILE}`, baseDir),
    databaseSchema: config.database.schema,
    databaseUrlOrigin: urlOverride?.origin ?? (config.database.url === undefined ? 'default' : 'file'),
    overrides,
  }
}
