import iconv from 'iconv-lite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { expectConfigError, tempDir, withLines, writeConfig } from './helpers.js'

let dir: string
let cleanup: () => Promise<void>
beforeEach(async () => ({ dir, cleanup } = await tempDir()))
afterEach(async () => cleanup())

const load = (env: NodeJS.ProcessEnv = {}) => loadConfig({ cwd: dir, env })

/** Each case breaks lianxin.yaml one way; the error must name this path on this line. */
const cases: { name: string; lines: Record<number, string>; path: string; line: number; message: RegExp }[] = [
  { name: 'an unknown key, with a did-you-mean hint', lines: { 15: '    shrot: 城管' }, path: 'departments[0].shrot', line: 15, message: /unknown key "shrot"; did you mean "short"\?/ },
  { name: 'a value of the wrong type', lines: { 24: '    roles: staff' }, path: 'users[0].roles', line: 24, message: /expected a list .*got text "staff"/ },
  { name: 'a duplicate zone id', lines: { 9: '  - id: xingjian' }, path: 'zones[1].id', line: 9, message: /duplicate zone id "xingjian" \(first defined at line 6\)/ },
  { name: 'a department routed to a zone that does not exist', lines: { 17: '    zones: [nowhere]' }, path: 'departments[0].zones[0]', line: 17, message: /unknown zone "nowhere" \(known: xingjian, baoguo\)/ },
  { name: 'an unknown topic', lines: { 16: '    topics: [城建]' }, path: 'departments[0].topics[0]', line: 16, message: /unknown topic "城建"/ },
  { name: 'a lead topic the department does not handle', lines: { 17: '    leads: [城乡建设, 环境保护]' }, path: 'departments[0].leads[1]', line: 17, message: /leads "环境保护" but does not list it in topics/ },
  { name: 'a bad cron expression', lines: { 42: '    schedule: "every 30 minutes"' }, path: 'sources[0].schedule', line: 42, message: /"every 30 minutes" is not a valid cron expression/ },
  { name: 'a bad URL', lines: { 43: '    baseUrl: liuyan.people.com.cn' }, path: 'sources[0].baseUrl', line: 43, message: /is not a URL/ },
  { name: 'an rss source without url', lines: { 40: '    kind: rss', 43: '    baseUrl: https://example.cn/' }, path: 'sources[0].url', line: 39, message: /a source of kind rss needs url/ },
  { name: 'an empty approver list', lines: { 33: '  supervisingLeaders: []' }, path: 'approval.supervisingLeaders', line: 33, message: /name at least one supervising-leader user/ },
  { name: 'an approver lacking the role', lines: { 32: '  bureauHeads: [zhangwei]' }, path: 'approval.bureauHeads[0]', line: 32, message: /user "zhangwei" lacks the bureau-head role; add it to their roles \(user defined at line 22\)/ },
  { name: 'an approver that is not a user', lines: { 33: '  supervisingLeaders: [wangfuqu]' }, path: 'approval.supervisingLeaders[0]', line: 33, message: /"wangfuqu" is not a user/ },
  { name: 'a negative duration', lines: { 35: '  escalateLeaderAfter: -2h' }, path: 'sla.escalateLeaderAfter', line: 35, message: /duration "-2h" is negative/ },
  { name: 'a malformed duration', lines: { 35: '  escalateLeaderAfter: one day' }, path: 'sla.escalateLeaderAfter', line: 35, message: /"one day" is not a duration/ },
  { name: 'a zero duration', lines: { 35: '  escalateLeaderAfter: 0h' }, path: 'sla.escalateLeaderAfter', line: 35, message: /duration "0h" is zero/ },
  { name: 'a holiday that is not a real date', lines: { 37: '    holidays: [2026-02-30]' }, path: 'sla.calendar.holidays[0]', line: 37, message: /"2026-02-30" is not a real date/ },
  { name: 'a user in a zone that does not exist', lines: { 24: '    roles: [staff]\n    zone: xinjian' }, path: 'users[0].zone', line: 25, message: /unknown zone "xinjian"/ },
  { name: 'a duplicate user name', lines: { 25: '  - name: zhangwei' }, path: 'users[1].name', line: 25, message: /duplicate user name "zhangwei" \(first defined at line 22\)/ },
  { name: 'an unknown time zone', lines: { 4: '  code: "230108"\n  timezone: Asia/Beijing' }, path: 'district.timezone', line: 5, message: /unknown time zone "Asia\/Beijing"/ },
  { name: 'a missing required key (points at the parent mapping)', lines: { 19: '  iden: zhengfuban' }, path: 'fallback.id', line: 19, message: /missing required key "id"/ },
  { name: 'a YAML syntax error', lines: { 8: '    kind: street: town' }, path: 'zones[0].kind', line: 8, message: /YAML syntax: /i },
  { name: 'a duplicate YAML key', lines: { 4: '  name: 平房区' }, path: 'district.name', line: 4, message: /duplicate key "name" \(first defined at line 3\)/ },
]

describe('loadConfig on a broken lianxin.yaml', () => {
  it.each(cases)('reports $name at its key path and line', async ({ lines, path, line, message }) => {
    await writeConfig(dir, withLines(lines))
    const error = await expectConfigError(() => load())
    const issue = error.details.issues.find((candidate) => candidate.path === path)
    expect(issue, `issues were: ${JSON.stringify(error.details.issues)}`).toBeDefined()
    expect(issue?.line).toBe(line)
    expect(issue?.message).toMatch(message)
    expect(error.message).toContain(`lianxin.yaml:${line}:`)
    expect(error.message).toContain(`  ${path}: `)
    expect(error.details.file).toBe('lianxin.yaml')
    expect(error.suggestions.join(' ')).toContain('lianxin config check')
  })

  it('reports a GBK-encoded file with the line and byte offset of the first bad byte', async () => {
    // The whole file saved as GBK, the way Windows Notepad on a Chinese system used to save it.
    const gbk = iconv.encode(withLines({}), 'gbk')
    await writeConfig(dir, gbk)
    const error = await expectConfigError(() => load())
    const [issue] = error.details.issues
    expect(issue?.line).toBe(3)
    expect(issue?.path).toBe('district.name')
    const firstBad = Buffer.byteLength('version: 1\ndistrict:\n  name: ')
    expect(issue?.message).toContain(`byte offset ${firstBad}`)
    expect(error.message).toContain('lianxin.yaml must be UTF-8 (it looks like GBK?')
  })

  it('reports an empty file clearly', async () => {
    await writeConfig(dir, '\n# 只有注释 / only comments\n')
    const error = await expectConfigError(() => load())
    expect(error.details.issues).toEqual([expect.objectContaining({ path: '', line: 1, message: expect.stringMatching(/the file is empty; run "lianxin init"/) })])
  })

  it('names the environment variable when an env override is bad', async () => {
    await writeConfig(dir, withLines({}))
    const error = await expectConfigError(() => load({ LIANXIN_DAEMON_METRICS_PORT: 'ninety', LIANXIN_DATABASE_URL: 'mysql://db/lianxin' }))
    expect(error.details.issues).toEqual([
      expect.objectContaining({ path: 'database.url', origin: 'LIANXIN_DATABASE_URL', message: expect.stringContaining('"mysql://db/lianxin" must start with sqlite:') }),
      expect.objectContaining({ path: 'daemon.metricsPort', origin: 'LIANXIN_DAEMON_METRICS_PORT', message: expect.stringContaining('got text "ninety"') }),
    ])
    expect(error.message).toContain('LIANXIN_DAEMON_METRICS_PORT  daemon.metricsPort: expected a port number')
  })

  it('lists every problem of the file in one error, in line order', async () => {
    await writeConfig(dir, withLines({ 9: '  - id: xingjian', 16: '    topics: [城建]', 35: '  escalateLeaderAfter: soon', 8: '    kind: village' }))
    const error = await expectConfigError(() => load())
    expect(error.details.issues.map((issue) => issue.line)).toEqual([8, 9, 16, 35])
    expect(error.message.split('\n')[0]).toBe('lianxin.yaml is not valid (4 problems):')
  })

  it('accepts the unbroken file', async () => {
    await writeConfig(dir, withLines({}))
    await expect(load()).resolves.toMatchObject({ config: { zones: [{ id: 'xingjian' }, { id: 'baoguo' }] } })
  })
})
