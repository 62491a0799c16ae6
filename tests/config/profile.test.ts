import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkConfig } from '../../src/config/check.js'
import { initConfig, listProfiles, profilePath } from '../../src/config/init.js'
import { parseConfig } from '../../src/config/load.js'
import { PROVINCIAL_TOPICS } from '../../src/config/schema.js'
import { ConfigError, RefusedError } from '../../src/errors.js'
import { packagePath, packageRoot } from '../../src/paths.js'
import { tempDir } from './helpers.js'

let dir: string
let cleanup: () => Promise<void>
beforeEach(async () => ({ dir, cleanup } = await tempDir()))
afterEach(async () => cleanup())

describe('the shipped pingfang profile', () => {
  it('is found relative to the package root', async () => {
    expect(JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8'))).toMatchObject({ name: 'lianxin' })
    expect(await listProfiles()).toContain('pingfang')
    expect(await profilePath('pingfang')).toBe(packagePath('src', 'config', 'profiles', 'pingfang.yaml'))
  })

  it('parses, with exactly 10 zones and the 7 provincial topic names', async () => {
    const config = parseConfig(await readFile(await profilePath('pingfang')), 'pingfang.yaml')
    expect(config.district).toEqual({ name: '哈尔滨市平房区', code: '230108', timezone: 'Asia/Shanghai' })
    expect(config.zones).toHaveLength(10)
    expect(config.zones.map((zone) => zone.name)).toEqual(
      expect.arrayContaining(['兴建街道', '保国街道', '联盟街道', '友协街道', '新疆街道', '新伟街道', '平房镇', '平新镇']),
    )
    const topics = config.topics.map((topic) => topic.name)
    for (const name of PROVINCIAL_TOPICS) expect(topics).toContain(name)
    expect(config.departments.length).toBeGreaterThanOrEqual(12)
  })

  it('places the estates named in the source report', async () => {
    const config = parseConfig(await readFile(await profilePath('pingfang')), 'pingfang.yaml')
    const xingjian = config.zones.find((zone) => zone.id === 'xingjian')
    const heping = xingjian?.communities.find((community) => community.name === '和平社区')
    expect(heping?.estates).toEqual(expect.arrayContaining(['宝融福园', '北厂文化小区']))
    const estates = config.zones.flatMap((zone) => zone.communities.flatMap((community) => community.estates))
    expect(estates).toContain('碧水湾小区')
  })

  it('sets up the 五个一 clocks, the two-level sign-off and users with all five roles', async () => {
    const config = parseConfig(await readFile(await profilePath('pingfang')), 'pingfang.yaml')
    expect(Object.values(config.sla.clocks).map((clock) => clock.within)).toEqual(['1h', '1d', '7d', '10d', '30d'])
    expect(config.approval).toMatchObject({ bureauHeads: ['liuju'], supervisingLeaders: ['wangqu'], skipLeader: { enabled: false } })
    expect(new Set(config.users.flatMap((user) => user.roles))).toEqual(new Set(['staff', 'handler', 'bureau-head', 'supervising-leader', 'admin']))
    expect(config.sla.calendar.holidays).toContain('2026-10-01')
    expect(config.sla.calendar.makeupWorkdays).toContain('2026-02-14')
  })
})

describe('initConfig', () => {
  it('writes a profile that itself passes parseConfig and config check', async () => {
    const target = join(dir, 'lianxin.yaml')
    const result = await initConfig({ profile: 'pingfang', target, force: false })
    expect(result).toEqual({ path: target, profile: 'pingfang', overwritten: false })
    const written = await readFile(target)
    expect(parseConfig(written, 'lianxin.yaml').zones).toHaveLength(10)
    const summary = await checkConfig({ cwd: dir, env: {} })
    expect(summary).toMatchObject({ valid: true, zones: 10, users: { byRole: { 'bureau-head': 1, 'supervising-leader': 1 } } })
  })

  it('refuses to overwrite an existing file unless forced', async () => {
    const target = join(dir, 'lianxin.yaml')
    await initConfig({ profile: 'pingfang', target, force: false })
    const refused = await initConfig({ profile: 'pingfang', target, force: false }).catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(RefusedError)
    expect((refused as RefusedError).exitCode).toBe(6)
    expect((refused as RefusedError).suggestions.join(' ')).toContain('--force')
    await expect(initConfig({ profile: 'pingfang', target, force: true })).resolves.toMatchObject({ overwritten: true })
  })

  it('names the known profiles when asked for an unknown one', async () => {
    const error = await initConfig({ profile: 'harbin', target: join(dir, 'x.yaml'), force: false }).catch((err: unknown) => err)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toBe('unknown profile "harbin"; known profiles: pingfang')
  })
})
