/** The two stores lianxin runs on. */
export type Backend = 'sqlite' | 'postgres'

export interface DatabaseTarget {
  backend: Backend
  /** Absolute file path for SQLite; the connection string for PostgreSQL. */
  location: string
  /** PostgreSQL schema (search_path); created if missing. */
  schema?: string
}

/**
 * Reads `sqlite:/path/file.sqlite`, `sqlite::memory:` or `postgres://…` / `postgresql://…`.
 */
export function parseDatabaseUrl(url: string, schema?: string): DatabaseTarget {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return { backend: 'postgres', location: url, ...(schema ? { schema } : {}) }
  }
  if (url.startsWith('sqlite:')) return { backend: 'sqlite', location: url.slice('sqlite:'.length) }
  throw new TypeError(`unsupported database url "${maskUrl(url)}": expected sqlite:PATH or postgres://…`)
}

/** The URL with any password replaced by ***, for messages and `config check`. */
export function maskUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@')
}
