import { resolve } from 'node:path'
import { loadConfig, type LoadedConfig } from '../config/load.js'
import { resolveDatabase } from '../config/database.js'
import { Store } from '../store/store.js'
import { nestedSettings } from './nested-settings.js'

export interface ContextOptions {
  /** The `--config` flag. */
  configPath?: string | undefined
  /** Commands that only need the store can run without lianxin.yaml. @default true */
  configRequired?: boolean
  /** Apply pending migrations when the store opens. @default true */
  migrate?: boolean
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Also validate the sources' and channels' own options (see ./nested-settings.ts). @default false */
  checkNested?: boolean
}

export interface CommandContext {
  loaded: LoadedConfig | null
  store: Store
}

/**
 * Loads the config (flag > env > file > default), opens the store it names, runs `fn`, and
 * always closes the store.
 */
export async function withContext<T>(options: ContextOptions, fn: (ctx: CommandContext) => Promise<T>): Promise<T> {
  const env = options.env ?? process.env
  const cwd = resolve(options.cwd ?? process.cwd())
  const loaded = await loadConfig({ flagPath: options.configPath, env, cwd, required: options.configRequired ?? true, ...(options.checkNested ? { nested: nestedSettings } : {}) })
  const url = loaded?.databaseUrl ?? resolveDatabase(env, cwd)
  const schema = loaded?.databaseSchema ?? env.LIANXIN_DATABASE_SCHEMA
  const store = await Store.open({ url, ...(schema ? { schema } : {}), migrate: options.migrate ?? true })
  try {
    return await fn({ loaded, store })
  } finally {
    await store.close()
  }
}
