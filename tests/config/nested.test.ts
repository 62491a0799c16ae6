import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nestedSettings } from '../../src/cli/nested-settings.js'
import { loadConfig } from '../../src/config/load.js'
import { expectConfigError, tempDir, withLines, writeConfig } from './helpers.js'

let dir: string
let cleanup: () => Promise<void>
beforeEach(async () => ({ dir, cleanup } = await tempDir()))
afterEach(async () => cleanup())

const load = () => loadConfig({ cwd: dir, env: {}, nested: nestedSettings })

/** VALID_LINES plus a Weibo source (from line 44) and a notification channel (from line 52). */
const extra = (weibo: string[], channel: string[]) =>
  withLines({
    43: [
      '    baseUrl: https://liuyan.people.com.cn', // 43
      '    options:', // 44
      '      boards: [平房区委书记]', // 45
      '  - id: weibo-pingfang', // 46
      '    kind: weibo', // 47
      '    name: 微博', // 48
      '    schedule: "15 * * * *"', // 49
      '    options:', // 50
      ...weibo, // 51…
      'notify:',
      '  channels:',
      '    - id: hook',
      '      kind: webhook',
      '      url: https://hooks.example.cn/lianxin',
      '      options:',
      ...channel,
    ].join('\n'),
  })

describe("sources' and channels' own options, checked with the config", () => {
  it('accepts what the adapters and channels accept', async () => {
    await writeConfig(dir, extra(['      keywords: [平房区]', '      maxPagesPerScope: 5'], ['        ratePerMinute: 120']))
    const loaded = await load()
    expect(loaded?.config.sources.map((s) => s.id)).toEqual(['renmin-liuyan', 'weibo-pingfang'])
  })

  it('names each problem with its key path and line, with did-you-mean for typos', async () => {
    const text = extra(['      keywords: [平房区]', '      maxPagePerScope: 5', '      users: [平房发布]'], ['        ratePerMinute: 0'])
    await writeConfig(dir, text)
    const error = await expectConfigError(load)
    const lines = text.split('\n')
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1
    const byPath = new Map(error.details.issues.map((i) => [i.path, i]))
    expect(byPath.get('sources[1].options.maxPagePerScope')).toMatchObject({ line: lineOf('maxPagePerScope'), message: expect.stringMatching(/unknown key "maxPagePerScope"; did you mean "maxPagesPerScope"\?/) })
    expect(byPath.get('sources[1].options.users[0]')).toMatchObject({ line: lineOf('users: [平房发布]'), message: expect.stringMatching(/Weibo uid/) })
    expect(byPath.get('notify.channels[0].options.ratePerMinute')).toMatchObject({ line: lineOf('ratePerMinute'), message: 'at least 1' })
    expect(error.message).toContain(`lianxin.yaml:${lineOf('ratePerMinute')}:`)
  })

  it('places a rule over the whole block at the block', async () => {
    await writeConfig(dir, extra(['      cookie: "SUB=abc"', '      cookieEnv: LIANXIN_WEIBO_COOKIE', '      keywords: [平房区]'], ['        timeoutMs: 5000']))
    const error = await expectConfigError(load)
    expect(error.details.issues).toEqual([expect.objectContaining({ path: 'sources[1].options', line: 51, message: 'set cookie or cookieEnv, not both' })])
  })

  it('is left out when not asked for (crawl reports a bad source on its own and goes on with the rest)', async () => {
    await writeConfig(dir, extra(['      maxPagePerScope: 5'], ['        ratePerMinute: 0']))
    expect(await loadConfig({ cwd: dir, env: {} })).not.toBeNull()
  })
})
