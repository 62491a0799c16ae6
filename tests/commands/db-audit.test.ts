import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { appendEvent } from '../../src/store/events.js'
import { Store } from '../../src/store/store.js'
import { runCli } from '../helpers/cli.js'

describe('lianxin db migrate and audit verify', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lianxin-cli-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('migrates the default SQLite store once and says so', async () => {
    const first = await runCli(['db', 'migrate', '--json'], { cwd: dir })
    expect(first.code).toBe(0)
    expect(first.json()).toMatchObject({ applied: ['0001-initial', '0002-triage', '0003-daemon'], current: '0003-daemon' })
    expect(first.json<{ database: string }>().database).toContain(join(dir, 'lianxin.sqlite'))
    const second = await runCli(['db', 'migrate'], { cwd: dir })
    expect(second.stdout).toMatch(/up to date \(0003-daemon\)/)
  })

  it('verifies an intact log, then exits 7 naming the changed event', async () => {
    const file = join(dir, 'store.sqlite')
    const url = `sqlite:${file}`
    const store = await Store.open({ url })
    for (let i = 1; i <= 3; i++) await appendEvent(store, { stream: 'ticket:1', type: 'ticket.noted', actor: 'zhangwei', payload: { i } })
    await store.close()

    const ok = await runCli(['audit', 'verify', '--json'], { cwd: dir, env: { LIANXIN_DATABASE_URL: url } })
    expect(ok.code).toBe(0)
    const report = ok.json<{ ok: boolean; events: number; head: { seq: number; hash: string } }>()
    expect(report).toMatchObject({ ok: true, events: 3, head: { seq: 3 } })

    const db = new Database(file)
    db.exec('drop trigger events_no_update')
    db.prepare('update events set payload = ? where seq = 2').run('{"i":20}')
    db.close()
    const broken = await runCli(['audit', 'verify'], { cwd: dir, env: { LIANXIN_DATABASE_URL: url } })
    expect(broken.code).toBe(7)
    expect(broken.stderr).toMatch(/event 2 \(ticket\.noted on ticket:1\) was changed/)
    const json = await runCli(['audit', 'verify', '--json', '--anchor', `3:${report.head.hash}`], { cwd: dir, env: { LIANXIN_DATABASE_URL: url } })
    expect(json.code).toBe(7)
    expect(json.json<{ error: { details: { first: { kind: string; seq: number } } } }>().error.details.first).toEqual(expect.objectContaining({ kind: 'changed', seq: 2 }))
  })

  it('rejects a malformed anchor as a usage error', async () => {
    const res = await runCli(['audit', 'verify', '--anchor', 'yesterday', '--json'], { cwd: dir })
    expect(res.code).toBe(2)
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/SEQ:HASH/)
  })

  it('explains a database URL it cannot use', async () => {
    const res = await runCli(['db', 'migrate'], { cwd: dir, env: { LIANXIN_DATABASE_URL: 'mysql://x' } })
    expect(res.code).toBe(3)
    expect(res.stderr).toMatch(/LIANXIN_DATABASE_URL/)
  })
})
