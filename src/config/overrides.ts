/**
 * Values that may come from outside lianxin.yaml. Precedence: flag > env (`LIANXIN_*`) > file >
 * default. Overrides are written into the parsed document BEFORE validation, so a bad value
 * from the environment is reported like any other problem, naming the variable.
 */

/** Every overridable setting: where it lives in the file, its env var and how to read it. */
export const CONFIG_OVERRIDES = {
  databaseUrl: { path: ['database', 'url'], env: 'LIANXIN_DATABASE_URL', flag: '--database-url', type: 'string' },
  databaseSchema: { path: ['database', 'schema'], env: 'LIANXIN_DATABASE_SCHEMA', flag: '--database-schema', type: 'string' },
  crawlUserAgent: { path: ['crawl', 'userAgent'], env: 'LIANXIN_CRAWL_USER_AGENT', flag: '--user-agent', type: 'string' },
  crawlProxy: { path: ['crawl', 'proxy'], env: 'LIANXIN_CRAWL_PROXY', flag: '--proxy', type: 'string' },
  daemonMetricsPort: { path: ['daemon', 'metricsPort'], env: 'LIANXIN_DAEMON_METRICS_PORT', flag: '--metrics-port', type: 'integer' },
} as const satisfies Record<string, { path: readonly string[]; env: string; flag: string; type: 'string' | 'integer' }>

/** Name of an overridable setting. */
export type OverrideKey = keyof typeof CONFIG_OVERRIDES

/** Values given on the command line, which win over the environment and the file. */
export type ConfigFlagValues = Partial<Record<OverrideKey, string | number | undefined>>

/** Where a value came from. */
export type ValueOrigin = 'flag' | 'env' | 'file' | 'default'

/** An override that was applied: key path (`database.url`) → who set it (`LIANXIN_DATABASE_URL`, `--database-url`). */
export interface AppliedOverride {
  key: OverrideKey
  path: string
  origin: 'flag' | 'env'
  label: string
}

/** The env var value, or undefined when unset or empty (an empty variable counts as unset). */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value.trim() === '' ? undefined : value
}

function coerce(value: string | number, type: 'string' | 'integer'): unknown {
  if (type === 'integer' && typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value)
  return value
}

function setIn(doc: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = doc
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  const last = path[path.length - 1]
  if (last !== undefined) node[last] = value
}

/**
 * Writes env and flag values into a parsed (not yet validated) document, flags last so they win.
 * A document that is not a mapping is left alone; validation reports it.
 */
export function applyOverrides(doc: unknown, env: NodeJS.ProcessEnv, flags: ConfigFlagValues = {}): AppliedOverride[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return []
  const applied = new Map<OverrideKey, AppliedOverride>()
  for (const [key, spec] of Object.entries(CONFIG_OVERRIDES) as [OverrideKey, (typeof CONFIG_OVERRIDES)[OverrideKey]][]) {
    const fromEnv = envValue(env, spec.env)
    const fromFlag = flags[key]
    const value = fromFlag ?? fromEnv
    if (value === undefined) continue
    setIn(doc as Record<string, unknown>, spec.path, coerce(value, spec.type))
    const origin = fromFlag === undefined ? 'env' : 'flag'
    applied.set(key, { key, path: spec.path.join('.'), origin, label: origin === 'flag' ? spec.flag : spec.env })
  }
  return [...applied.values()]
}
