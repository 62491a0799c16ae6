import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

describe('lianxin demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lianxin-demo-test-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('crawls the replica, triages, opens tickets and leaves a verifiable store', async () => {
    const res = await runCli(['demo', '--dir', dir, '--json'], { cwd: dir, timeoutMs: 120_000 })
    expect(res.code, res.stderr).toBe(0)
    const out = res.json<{
      crawl: { sources: Array<{ id: string; status: string; new: number }>; totals: { new: number } }
      triage: { triaged: number; ticketsOpened: number }
      daemon: {
        cycles: number
        crawled: string[]
        newPosts: number
        triaged: number
        alerts: number
        channels: string[]
        notifications: { queued: number; sent: number; failed: number }
        published: number
        errors: unknown[]
      }
      board: Array<{ id: number; status: string; lead: string | null; topic: string | null }>
      audit: { ok: boolean; events: number }
    }>()
    expect(out.crawl.sources.every((s) => s.status === 'ok')).toBe(true)
    expect(out.crawl.totals.new).toBeGreaterThan(20)
    expect(out.triage.triaged).toBe(out.crawl.totals.new)
    expect(out.board.length).toBeGreaterThan(0)
    expect(out.board.every((t) => t.lead !== null && t.topic !== null)).toBe(true)
    // Then one daemon cycle on the same store: nothing to notify (no channels), nothing to publish.
    expect(out.daemon).toMatchObject({ cycles: 1, channels: [], notifications: { queued: 0, sent: 0, failed: 0 }, published: 0, errors: [] })
    expect(out.daemon.triaged).toBeGreaterThanOrEqual(out.daemon.newPosts)
    expect(out.daemon.alerts).toBe(0)
    expect(out.audit.ok).toBe(true)

    // The work directory is a normal lianxin setup: other commands can carry on with it.
    const verify = await runCli(['audit', 'verify', '--config', join(dir, 'lianxin.yaml'), '--json'], { cwd: dir })
    expect(verify.code).toBe(0)
    expect(verify.json<{ events: number }>().events).toBe(out.audit.events)
    const sources = await runCli(['sources', 'list', '--config', join(dir, 'lianxin.yaml'), '--json'], { cwd: dir })
    const listed = sources.json<Array<{ id: string; lastSuccessAt: string | null }>>()
    expect(listed.filter((s) => s.lastSuccessAt !== null).map((s) => s.id).sort()).toEqual(out.crawl.sources.map((s) => s.id).sort())
  }, 120_000)

  it('prints the board for people', async () => {
    const human = mkdtempSync(join(tmpdir(), 'lianxin-demo-human-'))
    try {
      const res = await runCli(['demo', '--dir', human], { cwd: human, timeoutMs: 120_000 })
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout).toMatch(/open tickets \(\d+\)/)
      expect(res.stdout).toMatch(/#1\s/)
      expect(res.stdout).toMatch(/chain intact/)
      expect(res.stderr).toMatch(/daemon: 1 cycle .*no notification channels configured/)
      expect(res.stderr).toMatch(/replica sources on http:\/\/127\.0\.0\.1:\d+/)
    } finally {
      rmSync(human, { recursive: true, force: true })
    }
  }, 120_000)
})
