import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { profilePath } from '../../src/config/init.js'
import { loadConfig, parseConfig } from '../../src/config/load.js'
import type { PublishConfig } from '../../src/config/schema.js'
import { ConfigError, NotFoundError, RefusedError, UsageError } from '../../src/errors.js'
import { createPublishChannel, selectPublishChannel } from '../../src/publish/index.js'
import { BrowserChannel } from '../../src/publish/channels/browser.js'
import { ExportChannel } from '../../src/publish/channels/export.js'
import { WebhookChannel } from '../../src/publish/channels/webhook.js'
import { expectConfigError, tempDir, VALID_LINES, withLines, writeConfig } from './helpers.js'

let dir: string
let cleanup: () => Promise<void>
beforeEach(async () => ({ dir, cleanup } = await tempDir()))
afterEach(async () => cleanup())

const LAST = VALID_LINES.length // 43: the publish section starts on line 44

/** The valid file with a publish section appended (its first line is line 44). */
const withPublish = (...lines: string[]) => withLines({ [LAST]: `${VALID_LINES[LAST - 1]}\n${lines.join('\n')}` })

const load = () => loadConfig({ cwd: dir, env: {} })

describe('the publish section', () => {
  it('is optional and defaults to no channels', async () => {
    await writeConfig(dir, withLines({}))
    expect((await load())!.config.publish).toEqual({ channels: [] })
  })

  it('takes the three kinds with their own keys and fills in enabled', async () => {
    await writeConfig(
      dir,
      withPublish(
        'publish:', //                                              44
        '  default: exports', //                                    45
        '  channels:', //                                           46
        '    - id: exports', //                                     47
        '      kind: export', //                                    48
        '      dir: exports/', //                                   49
        '    - id: hotline', //                                     50
        '      kind: webhook', //                                   51
        '      url: https://12345.example.gov.cn/api/replies', //   52
        '      secretEnv: LIANXIN_PUBLISH_SECRET', //               53
        '      retries: 5', //                                      54
        '    - id: board', //                                       55
        '      kind: browser', //                                   56
        '      enabled: false', //                                  57
        '      url: https://liuyan.example.cn/backoffice', //       58
        '      username: pingfang', //                              59
        '      passwordEnv: LIANXIN_BACKOFFICE_PASSWORD', //        60
        '      timeoutMs: 60000', //                                61
      ),
    )
    expect((await load())!.config.publish).toEqual({
      default: 'exports',
      channels: [
        { id: 'exports', kind: 'export', enabled: true, dir: 'exports/' },
        { id: 'hotline', kind: 'webhook', enabled: true, url: 'https://12345.example.gov.cn/api/replies', secretEnv: 'LIANXIN_PUBLISH_SECRET', retries: 5 },
        { id: 'board', kind: 'browser', enabled: false, url: 'https://liuyan.example.cn/backoffice', username: 'pingfang', passwordEnv: 'LIANXIN_BACKOFFICE_PASSWORD', timeoutMs: 60000 },
      ],
    })
  })

  it('the shipped profile exports to exports/ by default, with webhook and browser examples commented out', async () => {
    const config = parseConfig(await readFile(await profilePath('pingfang')), 'pingfang.yaml')
    expect(config.publish).toEqual({ default: 'exports', channels: [{ id: 'exports', kind: 'export', enabled: true, dir: 'exports/' }] })
    const text = await readFile(await profilePath('pingfang'), 'utf8')
    expect(text).toContain('#   kind: webhook')
    expect(text).toContain('#   kind: browser')
  })

  const cases: { name: string; lines: string[]; path: string; line: number; message: RegExp }[] = [
    {
      name: 'a duplicate channel id',
      lines: ['publish:', '  channels:', '    - id: exports', '      kind: export', '      dir: a/', '    - id: exports', '      kind: export', '      dir: b/'],
      path: 'publish.channels[1].id',
      line: 49,
      message: /duplicate publishing channel id "exports" \(first defined at line 46\)/,
    },
    {
      name: 'a default naming an unknown channel',
      lines: ['publish:', '  default: export', '  channels:', '    - id: exports', '      kind: export', '      dir: a/'],
      path: 'publish.default',
      line: 45,
      message: /unknown publishing channel "export" \(known: exports\)/,
    },
    {
      name: 'a default naming a disabled channel',
      lines: ['publish:', '  default: exports', '  channels:', '    - id: exports', '      kind: export', '      enabled: false', '      dir: a/'],
      path: 'publish.default',
      line: 45,
      message: /the default publishing channel "exports" is disabled; enable it or name another default \(channel defined at line 47\)/,
    },
    {
      name: 'a webhook without url',
      lines: ['publish:', '  channels:', '    - id: hotline', '      kind: webhook', '      secretEnv: LIANXIN_PUBLISH_SECRET'],
      path: 'publish.channels[0].url',
      line: 46,
      message: /a webhook channel needs url, the address replies are POSTed to/,
    },
    {
      name: 'a webhook without a secret',
      lines: ['publish:', '  channels:', '    - id: hotline', '      kind: webhook', '      url: https://12345.example.gov.cn/'],
      path: 'publish.channels[0].secretEnv',
      line: 46,
      message: /a webhook channel needs secretEnv \(or secret\): every delivery is signed with HMAC-SHA256/,
    },
    {
      name: 'a webhook with both secret and secretEnv',
      lines: ['publish:', '  channels:', '    - id: hotline', '      kind: webhook', '      url: https://12345.example.gov.cn/', '      secret: abc', '      secretEnv: LIANXIN_PUBLISH_SECRET'],
      path: 'publish.channels[0].secret',
      line: 49,
      message: /set secret or secretEnv, not both/,
    },
    {
      name: 'a browser channel without url',
      lines: ['publish:', '  channels:', '    - id: board', '      kind: browser', '      username: pingfang', '      passwordEnv: LIANXIN_BACKOFFICE_PASSWORD'],
      path: 'publish.channels[0].url',
      line: 46,
      message: /a browser channel needs url, the back office's base URL/,
    },
    {
      name: 'a browser channel without passwordEnv',
      lines: ['publish:', '  channels:', '    - id: board', '      kind: browser', '      url: https://liuyan.example.cn/backoffice', '      username: pingfang'],
      path: 'publish.channels[0].passwordEnv',
      line: 46,
      message: /a browser channel needs passwordEnv, the environment variable holding the back-office password/,
    },
    {
      name: 'an export channel without dir',
      lines: ['publish:', '  channels:', '    - id: exports', '      kind: export'],
      path: 'publish.channels[0].dir',
      line: 46,
      message: /an export channel needs dir/,
    },
    {
      name: 'a key the kind does not use',
      lines: ['publish:', '  channels:', '    - id: exports', '      kind: export', '      dir: a/', '      url: https://example.cn/'],
      path: 'publish.channels[0].url',
      line: 49,
      message: /url is not used by an export channel \(it takes dir\)/,
    },
    {
      name: 'an unknown kind',
      lines: ['publish:', '  channels:', '    - id: mail', '      kind: email'],
      path: 'publish.channels[0].kind',
      line: 47,
      message: /must be one of export, webhook, browser/,
    },
    {
      name: 'a secretEnv that is not a variable name',
      lines: ['publish:', '  channels:', '    - id: hotline', '      kind: webhook', '      url: https://12345.example.gov.cn/', '      secretEnv: my secret'],
      path: 'publish.channels[0].secretEnv',
      line: 49,
      message: /must be an environment variable name such as LIANXIN_PUBLISH_SECRET/,
    },
    {
      name: 'a typo in a key',
      lines: ['publish:', '  channels:', '    - id: hotline', '      kind: webhook', '      url: https://12345.example.gov.cn/', '      secretenv: LIANXIN_PUBLISH_SECRET'],
      path: 'publish.channels[0].secretenv',
      line: 49,
      message: /unknown key "secretenv"; did you mean "secretEnv"\?/,
    },
    {
      name: 'a bad webhook URL',
      lines: ['publish:', '  channels:', '    - id: hotline', '      kind: webhook', '      url: 12345.example.gov.cn', '      secretEnv: LIANXIN_PUBLISH_SECRET'],
      path: 'publish.channels[0].url',
      line: 48,
      message: /is not a URL/,
    },
  ]

  it.each(cases)('reports $name at its key path and line', async ({ lines, path, line, message }) => {
    await writeConfig(dir, withPublish(...lines))
    const error = await expectConfigError(() => load())
    const issue = error.details.issues.find((candidate) => candidate.path === path)
    expect(issue, `issues were: ${JSON.stringify(error.details.issues)}`).toBeDefined()
    expect(issue?.message).toMatch(message)
    expect(issue?.line).toBe(line)
  })
})

describe('createPublishChannel', () => {
  const env = { LIANXIN_PUBLISH_SECRET: 's3cret', LIANXIN_BACKOFFICE_PASSWORD: 'pw' }

  it('builds each kind, with the export dir relative to the config directory', () => {
    const out = createPublishChannel({ id: 'exports', kind: 'export', enabled: true, dir: 'exports/' }, { configDir: dir, env })
    expect(out).toBeInstanceOf(ExportChannel)
    expect((out as ExportChannel).dir).toBe(join(dir, 'exports'))
    expect(createPublishChannel({ id: 'hotline', kind: 'webhook', enabled: true, url: 'https://x.example/', secretEnv: 'LIANXIN_PUBLISH_SECRET' }, { configDir: dir, env })).toBeInstanceOf(WebhookChannel)
    const board = createPublishChannel({ id: 'board', kind: 'browser', enabled: true, url: 'https://x.example/bo', username: 'u', passwordEnv: 'LIANXIN_BACKOFFICE_PASSWORD' }, { configDir: dir, env })
    expect(board).toMatchObject({ id: 'board', kind: 'browser' })
    expect(board).toBeInstanceOf(BrowserChannel)
  })

  it('names the environment variable that is not set', () => {
    const webhook = () => createPublishChannel({ id: 'hotline', kind: 'webhook', enabled: true, url: 'https://x.example/', secretEnv: 'LIANXIN_PUBLISH_SECRET' }, { configDir: dir, env: {} })
    expect(webhook).toThrow(ConfigError)
    expect(webhook).toThrow('publishing channel "hotline": the environment variable LIANXIN_PUBLISH_SECRET (named by secretEnv) is not set; it must hold the HMAC secret shared with the receiver')
    const browser = () => createPublishChannel({ id: 'board', kind: 'browser', enabled: true, url: 'https://x.example/bo', username: 'pingfang', passwordEnv: 'BO_PW' }, { configDir: dir, env: { BO_PW: '' } })
    expect(browser).toThrow(ConfigError)
    expect(browser).toThrow('the environment variable BO_PW (named by passwordEnv) is not set; it must hold the back-office password of pingfang')
  })
})

describe('selectPublishChannel', () => {
  const publish: PublishConfig = {
    default: 'exports',
    channels: [
      { id: 'exports', kind: 'export', enabled: true, dir: 'exports/' },
      { id: 'hotline', kind: 'webhook', enabled: true, url: 'https://x.example/', secretEnv: 'S' },
      { id: 'board', kind: 'browser', enabled: false, url: 'https://x.example/bo', username: 'u', passwordEnv: 'P' },
    ],
  }

  it('picks the named channel, else the default, else the only enabled one', () => {
    expect(selectPublishChannel(publish, 'hotline').id).toBe('hotline')
    expect(selectPublishChannel(publish).id).toBe('exports')
    expect(selectPublishChannel({ channels: [publish.channels[1]!, publish.channels[2]!] }).id).toBe('hotline')
  })

  it('refuses unknown, disabled, ambiguous and missing channels with the list of channels', () => {
    expect(() => selectPublishChannel(publish, 'mail')).toThrow(NotFoundError)
    expect(() => selectPublishChannel(publish, 'mail')).toThrow('no publishing channel "mail" (known: exports (export), hotline (webhook), board (browser, disabled))')
    expect(() => selectPublishChannel(publish, 'board')).toThrow(RefusedError)
    expect(() => selectPublishChannel({ channels: publish.channels })).toThrow(UsageError)
    expect(() => selectPublishChannel({ channels: publish.channels })).toThrow(/name the publishing channel to use \(known: .*\), or set publish\.default/)
    expect(() => selectPublishChannel({ channels: [] })).toThrow(ConfigError)
  })
})
