/**
 * Which store to open. `sqlite:` paths are relative to the directory of lianxin.yaml (or the
 * working directory when there is no file) and come back absolute; PostgreSQL URLs are
 * returned untouched.
 */
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { envValue } from './overrides.js'
import { databaseSchema } from './sections/organisation.js'

/** The store used when neither the environment nor the file names one: `lianxin.sqlite` next to the config. */
export const DEFAULT_SQLITE_FILE = 'lianxin.sqlite'

/** Which engine a (normalised) database URL names. */
export type DatabaseKind = 'sqlite' | 'postgres'

/** The engine of a database URL. */
export function databaseKind(url: string): DatabaseKind {
  return url.startsWith('sqlite:') ? 'sqlite' : 'postgres'
}

/**
 * `sqlite:data/x.sqlite` → `sqlite:/abs/baseDir/data/x.sqlite`; `sqlite:///abs` and `sqlite:~/x`
 * are understood; `sqlite::memory:` and postgres URLs are returned as they are.
 */
export function normaliseDatabaseUrl(url: string, baseDir: string): string {
  if (!url.startsWith('sqlite:')) return url
  let file = url.slice('sqlite:'.length)
  if (file === ':memory:') return url
  if (file.startsWith('//')) file = file.slice(2)
  if (file === '~' || file.startsWith('~/')) file = homedir() + file.slice(1)
  return `sqlite:${resolve(baseDir, file)}`
}

/**
 * The store to open: `LIANXIN_DATABASE_URL`, else the file's `database.url`, else
 * `sqlite:<baseDir>/lianxin.sqlite`, normalised.
 *
 * @throws ConfigError naming LIANXIN_DATABASE_URL when it is not a sqlite:/postgres URL.
 */
export function resolveDatabase(env: NodeJS.ProcessEnv, baseDir: string, fileUrl?: string): string {
  const fromEnv = envValue(env, 'LIANXIN_DATABASE_URL')
  if (fromEnv !== undefined) {
    const checked = databaseSchema.shape.url.safeParse(fromEnv)
    if (!checked.success) {
      throw new ConfigError(`LIANXIN_DATABASE_URL  database.url: ${checked.error.issues[0]?.message ?? 'not a database URL'}`, {
        details: { file: undefined, issues: [{ path: 'database.url', origin: 'LIANXIN_DATABASE_URL', message: checked.error.issues[0]?.message ?? 'not a database URL' }] },
        suggestions: ['set LIANXIN_DATABASE_URL to sqlite:PATH or postgres://user@host/db, or unset it'],
      })
    }
  }
  const url = fromEnv ?? fileUrl ?? `sqlite:${DEFAULT_SQLITE_FILE}`
  return normaliseDatabaseUrl(url, baseDir)
}

/** The URL with any password replaced by `***`, for logs and `config check`. */
export function maskDatabaseUrl(url: string): string {
  if (databaseKind(url) === 'sqlite') return url
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***')
    return parsed.toString().replace(/%2A%2A%2A/g, '***')
  } catch {
    // Not parseable as a URL: hide everything between "://" and "@".
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@')
  }
}
