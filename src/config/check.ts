/**
 * `lianxin config check`: load and validate lianxin.yaml and summarise what it sets up.
 */
import { databaseKind, maskDatabaseUrl, type DatabaseKind } from './database.js'
import { loadConfig, type LoadConfigOptions, type LoadedConfig } from './load.js'
import type { ValueOrigin } from './overrides.js'
import { ROLES, type Role } from './schema.js'

/** What a valid config sets up; the `--json` result of `lianxin config check`. */
export interface ConfigSummary {
  valid: true
  file: string | undefined
  district: { name: string; code: string; timezone: string }
  topics: number
  zones: number
  communities: number
  departments: number
  /** Departments that lead at least one topic. */
  leadingDepartments: number
  fallback: string
  users: { total: number; byRole: Record<Role, number> }
  approval: { bureauHeads: string[]; supervisingLeaders: string[]; skipLeader: boolean }
  sources: { total: number; enabled: number; byKind: Record<string, number> }
  notifyChannels: number
  /** The password, if any, is masked. */
  database: { url: string; kind: DatabaseKind; schema: string | undefined; from: ValueOrigin }
  /** Settings taken from flags or the environment, e.g. `database.url ← LIANXIN_DATABASE_URL`. */
  overrides: { path: string; from: string }[]
}

/** Summarises a loaded config (no secrets). */
export function summarizeConfig(loaded: LoadedConfig): ConfigSummary {
  const { config } = loaded
  const byRole = Object.fromEntries(ROLES.map((role) => [role, 0])) as Record<Role, number>
  for (const user of config.users) for (const role of new Set(user.roles)) byRole[role] += 1
  const byKind: Record<string, number> = {}
  for (const source of config.sources) byKind[source.kind] = (byKind[source.kind] ?? 0) + 1
  return {
    valid: true,
    file: loaded.file,
    district: config.district,
    topics: config.topics.length,
    zones: config.zones.length,
    communities: config.zones.reduce((sum, zone) => sum + zone.communities.length, 0),
    departments: config.departments.length,
    leadingDepartments: config.departments.filter((dept) => dept.leads.length > 0).length,
    fallback: config.fallback.name,
    users: { total: config.users.length, byRole },
    approval: {
      bureauHeads: config.approval.bureauHeads,
      supervisingLeaders: config.approval.supervisingLeaders,
      skipLeader: config.approval.skipLeader.enabled,
    },
    sources: { total: config.sources.length, enabled: config.sources.filter((source) => source.enabled).length, byKind },
    notifyChannels: config.notify.channels.length,
    database: {
      url: maskDatabaseUrl(loaded.databaseUrl),
      kind: databaseKind(loaded.databaseUrl),
      schema: loaded.databaseSchema,
      from: loaded.databaseUrlOrigin,
    },
    overrides: loaded.overrides.map((override) => ({ path: override.path, from: override.label })),
  }
}

/**
 * Loads lianxin.yaml (required) and summarises it.
 *
 * @throws ConfigError (exit code 3) listing every problem when the file is missing or invalid.
 */
export async function checkConfig(options: Omit<LoadConfigOptions, 'required'> = {}): Promise<ConfigSummary> {
  const loaded = await loadConfig({ ...options, required: true })
  // loadConfig only returns null when required is false.
  if (loaded === null) throw new Error('unreachable: loadConfig returned null for a required config')
  return summarizeConfig(loaded)
}
