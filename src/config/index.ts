/**
 * The config module: one validated schema for lianxin.yaml, its loader (flag > env > file >
 * default) and `lianxin init`. Re-exports only.
 */
export { checkConfig, summarizeConfig, type ConfigSummary } from './check.js'
export { DEFAULT_SQLITE_FILE, databaseKind, maskDatabaseUrl, normaliseDatabaseUrl, resolveDatabase, type DatabaseKind } from './database.js'
export { parseDuration } from './duration.js'
export { DEFAULT_PROFILE, initConfig, initTarget, listProfiles, profilePath, type InitConfigOptions, type InitConfigResult } from './init.js'
export type { ConfigErrorDetails, ConfigIssue } from './issues.js'
export { CONFIG_FILE_NAME, loadConfig, parseConfig, type LoadConfigOptions, type LoadedConfig, type ParseConfigOptions } from './load.js'
export { CONFIG_OVERRIDES, type ConfigFlagValues, type OverrideKey, type ValueOrigin } from './overrides.js'
export * from './schema.js'
