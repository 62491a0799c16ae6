import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

describe('lianxin init and config check', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lianxin-init-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('writes the Pingfang profile once, then refuses to overwrite it without --force', async () => {
    const first = await runCli(['init', '--json'], { cwd: dir })
    expect(first.code, first.stderr).toBe(0)
    expect(first.json()).toMatchObject({ profile: 'pingfang', path: join(dir, 'lianxin.yaml'), overwritten: false })
    expect(readFileSync(join(dir, 'lianxin.yaml'), 'utf8')).toMatch(/兴建街道/)
    const again = await runCli(['init'], { cwd: dir })
    expect(again.code).toBe(6)
    expect(again.stderr).toMatch(/--force/)
    expect((await runCli(['init', '--force', '--json'], { cwd: dir })).json()).toMatchObject({ overwritten: true })
  })

  it('summarises a valid config and exits 3 with every problem on a broken one', async () => {
    await runCli(['init'], { cwd: dir })
    const ok = await runCli(['config', 'check', '--json'], { cwd: dir })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.json()).toMatchObject({ valid: true, zones: 10, users: { byRole: { 'bureau-head': 1, 'supervising-leader': 1 } } })
    const file = join(dir, 'lianxin.yaml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('schedule: "*/30 * * * *"', 'schedule: "every half hour"'))
    const bad = await runCli(['config', 'check'], { cwd: dir })
    expect(bad.code).toBe(3)
    expect(bad.stderr).toMatch(/lianxin\.yaml:\d+:\d+\s+sources\[0\]\.schedule: "every half hour" is not a valid cron expression/)
    // A source's own options are checked too, by its adapter.
    writeFileSync(file, readFileSync(file, 'utf8').replace('"every half hour"', '"*/30 * * * *"').replace('boards: [', 'bords: ['))
    const typo = await runCli(['config', 'check'], { cwd: dir })
    expect(typo.code).toBe(3)
    expect(typo.stderr).toMatch(/lianxin\.yaml:\d+:\d+\s+sources\[0\]\.options\.bords: unknown key "bords"; did you mean "boards"\?/)
  })

  it('lists every command with --help', async () => {
    const res = await runCli(['--help'], { cwd: dir })
    for (const topic of ['audit', 'config', 'db', 'sources', 'crawl', 'demo', 'init']) expect(res.stdout).toContain(topic)
    const help = await runCli(['audit', 'verify', '--help'], { cwd: dir })
    expect(help.stdout).toMatch(/EXAMPLES/)
  })
})
