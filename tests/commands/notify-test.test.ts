import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCaptureServers, type CaptureServers } from '../../fixtures/capture/index.js'
import { runCli } from '../helpers/cli.js'

describe('lianxin notify test', () => {
  let dir: string
  let capture: CaptureServers

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lianxin-notify-'))
    capture = await startCaptureServers()
    expect((await runCli(['init'], { cwd: dir })).code).toBe(0)
    const file = join(dir, 'lianxin.yaml')
    const doc = parseDocument(readFileSync(file, 'utf8'))
    doc.setIn(['notify', 'channels'], doc.createNode([
      { id: 'wecom-bureau', kind: 'wecom', url: capture.wecom.url },
      { id: 'ding-leaders', kind: 'dingtalk', url: capture.dingtalk.url, secret: 'not-the-secret' },
    ]))
    writeFileSync(file, doc.toString())
  })
  afterAll(async () => {
    await capture.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('sends one message through a working channel', async () => {
    const res = await runCli(['notify', 'test', 'wecom-bureau', '--json'], { cwd: dir })
    expect(res.code, res.stderr).toBe(0)
    expect(res.json()).toMatchObject({ ok: true, channel: 'wecom-bureau', kind: 'wecom' })
    expect(capture.wecom.received).toHaveLength(1)
    expect(capture.wecom.received[0]!.content).toContain('测试消息')
  })

  it('exits 8 with the platform’s reason when the signature is wrong, and 5 for an unknown channel', async () => {
    const bad = await runCli(['notify', 'test', 'ding-leaders'], { cwd: dir })
    expect(bad.code).toBe(8)
    expect(bad.stderr).toMatch(/ding-leaders \(dingtalk\) refused the test message/)
    expect(capture.dingtalk.received).toHaveLength(0)
    const unknown = await runCli(['notify', 'test', 'feishu-x'], { cwd: dir })
    expect(unknown.code).toBe(5)
    expect(unknown.stderr).toMatch(/Configured: wecom-bureau, ding-leaders/)
  })
})
