import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { maskDatabaseUrl, resolveDatabase } from '../../src/config/database.js'
import { loadConfig } from '../../src/config/load.js'
import { ConfigError } from '../../src/errors.js'
import { expectConfigError, tempDir, withLines, writeConfig } from './helpers.js'

let dir: string
let cleanup: () => Promise<void>
beforeEach(async () => ({ dir, cleanup } = await tempDir()))
afterEach(async () => cleanup())

/** The valid test config with extra top-level sections appended. */
const configWith = (extra: string) => `${withLines({})}${extra}`

describe('which lianxin.yaml is read', () => {
  it('prefers the --config flag over LIANXIN_CONFIG over ./lianxin.yaml', async () => {
    await writeConfig(dir, configWith('daemon:\n  host: cwd\n'))
    const fromEnv = await writeConfig(dir, configWith('daemon:\n  host: env\n'), 'env.yaml')
    const fromFlag = await writeConfig(dir, configWith('daemon:\n  host: flag\n'), 'flag.yaml')

    const all = await loadConfig({ cwd: dir, flagPath: 'flag.yaml', env: { LIANXIN_CONFIG: fromEnv } })
    expect(all?.file).toBe(fromFlag)
    expect(all?.config.daemon.host).toBe('flag')
    const noFlag = await loadConfig({ cwd: dir, env: { LIANXIN_CONFIG: fromEnv } })
    expect(noFlag?.config.daemon.host).toBe('env')
    const neither = await loadConfig({ cwd: dir, env: {} })
    expect(neither?.config.daemon.host).toBe('cwd')
    expect(neither?.baseDir).toBe(dir)
  })

  it('treats a directory given with --config as the lianxin.yaml inside it', async () => {
    await mkdir(join(dir, 'deploy'))
    const file = await writeConfig(join(dir, 'deploy'), withLines({}))
    await expect(loadConfig({ cwd: dir, flagPath: 'deploy', env: {} })).resolves.toMatchObject({ file })
  })

  it('fails, naming the source, when a path given by flag or env does not exist', async () => {
    const byFlag = await expectConfigError(() => loadConfig({ cwd: dir, flagPath: 'missing.yaml', env: {}, required: false }))
    expect(byFlag.message).toMatch(/missing\.yaml \(from --config missing\.yaml\) does not exist/)
    const byEnv = await expectConfigError(() => loadConfig({ cwd: dir, env: { LIANXIN_CONFIG: 'gone.yaml' } }))
    expect(byEnv.message).toContain('from LIANXIN_CONFIG=gone.yaml')
  })

  it('returns null without a file when not required, and otherwise suggests lianxin init', async () => {
    await expect(loadConfig({ cwd: dir, env: {}, required: false })).resolves.toBeNull()
    const error = await expectConfigError(() => loadConfig({ cwd: dir, env: {} }))
    expect(error.suggestions.join('\n')).toContain('lianxin init')
  })
})

describe('where each value comes from: flag > env > file > default', () => {
  const fileSays = configWith('database:\n  url: sqlite:data/file.sqlite\ncrawl:\n  userAgent: file-agent\ndaemon:\n  metricsPort: 9100\n')

  it('uses the defaults when nothing sets a value', async () => {
    await writeConfig(dir, withLines({}))
    const loaded = await loadConfig({ cwd: dir, env: {} })
    expect(loaded?.databaseUrl).toBe(`sqlite:${join(dir, 'lianxin.sqlite')}`)
    expect(loaded?.databaseUrlOrigin).toBe('default')
    expect(loaded?.config.crawl.userAgent).toMatch(/^lianxin\//)
    expect(loaded?.config.daemon.metricsPort).toBeUndefined()
    expect(loaded?.config.sla.clocks.reply).toEqual({ within: '10d', basis: 'natural' })
  })

  it('lets the file win over the defaults, with sqlite paths relative to the file', async () => {
    await writeConfig(dir, fileSays)
    const loaded = await loadConfig({ cwd: '/', env: { LIANXIN_CONFIG: join(dir, 'lianxin.yaml') } })
    expect(loaded?.databaseUrl).toBe(`sqlite:${join(dir, 'data', 'file.sqlite')}`)
    expect(loaded?.databaseUrlOrigin).toBe('file')
    expect(loaded?.config.crawl.userAgent).toBe('file-agent')
    expect(loaded?.config.daemon.metricsPort).toBe(9100)
  })

  it('lets LIANXIN_* variables win over the file', async () => {
    await writeConfig(dir, fileSays)
    const env = {
      LIANXIN_DATABASE_URL: 'postgres://lianxin:s3cret@db.internal/lianxin',
      LIANXIN_DATABASE_SCHEMA: 'pingfang',
      LIANXIN_CRAWL_USER_AGENT: 'env-agent',
      LIANXIN_CRAWL_PROXY: 'http://127.0.0.1:7890',
      LIANXIN_DAEMON_METRICS_PORT: '9200',
    }
    const loaded = await loadConfig({ cwd: dir, env })
    expect(loaded?.databaseUrl).toBe('postgres://lianxin:s3cret@db.internal/lianxin')
    expect(loaded?.databaseSchema).toBe('pingfang')
    expect(loaded?.databaseUrlOrigin).toBe('env')
    expect(loaded?.config.crawl).toMatchObject({ userAgent: 'env-agent', proxy: 'http://127.0.0.1:7890' })
    expect(loaded?.config.daemon.metricsPort).toBe(9200)
    expect(loaded?.overrides.map((override) => override.label)).toContain('LIANXIN_DAEMON_METRICS_PORT')
  })

  it('ignores LIANXIN_* variables that are set but empty', async () => {
    await writeConfig(dir, fileSays)
    const loaded = await loadConfig({ cwd: dir, env: { LIANXIN_CRAWL_USER_AGENT: '', LIANXIN_DATABASE_URL: ' ' } })
    expect(loaded?.config.crawl.userAgent).toBe('file-agent')
    expect(loaded?.databaseUrlOrigin).toBe('file')
  })

  it('lets command-line flags win over the environment', async () => {
    await writeConfig(dir, fileSays)
    const loaded = await loadConfig({
      cwd: dir,
      env: { LIANXIN_CRAWL_USER_AGENT: 'env-agent', LIANXIN_DATABASE_URL: 'sqlite:/tmp/env.sqlite' },
      flags: { crawlUserAgent: 'flag-agent', databaseUrl: 'sqlite:flag.sqlite' },
    })
    expect(loaded?.config.crawl.userAgent).toBe('flag-agent')
    expect(loaded?.databaseUrl).toBe(`sqlite:${join(dir, 'flag.sqlite')}`)
    expect(loaded?.databaseUrlOrigin).toBe('flag')
  })
})

describe('resolveDatabase, for commands that run without lianxin.yaml', () => {
  it('uses LIANXIN_DATABASE_URL, else the file url, else lianxin.sqlite in the base directory', () => {
    expect(resolveDatabase({ LIANXIN_DATABASE_URL: 'postgresql://h/db' }, '/srv', 'sqlite:x.sqlite')).toBe('postgresql://h/db')
    expect(resolveDatabase({}, '/srv', 'sqlite:x.sqlite')).toBe('sqlite:/srv/x.sqlite')
    expect(resolveDatabase({}, '/srv')).toBe('sqlite:/srv/lianxin.sqlite')
    expect(resolveDatabase({}, '/srv', 'sqlite:///var/lib/lianxin.sqlite')).toBe('sqlite:/var/lib/lianxin.sqlite')
    expect(resolveDatabase({}, '/srv', 'sqlite::memory:')).toBe('sqlite::memory:')
  })

  it('rejects a LIANXIN_DATABASE_URL that is not sqlite or postgres, naming the variable', () => {
    expect(() => resolveDatabase({ LIANXIN_DATABASE_URL: 'mysql://h/db' }, '/srv')).toThrow(ConfigError)
    expect(() => resolveDatabase({ LIANXIN_DATABASE_URL: 'mysql://h/db' }, '/srv')).toThrow(/^LIANXIN_DATABASE_URL/)
  })

  it('masks passwords for display', () => {
    expect(maskDatabaseUrl('postgres://lianxin:s3cret@db/lianxin')).toBe('postgres://lianxin:***@db/lianxin')
    expect(maskDatabaseUrl('postgres://db/lianxin?password=s3cret')).toBe('postgres://db/lianxin?password=***')
    expect(maskDatabaseUrl('sqlite:/srv/lianxin.sqlite')).toBe('sqlite:/srv/lianxin.sqlite')
  })
})
