/**
 * The casework commands the sign-off run does not take, through the CLI as staff use them: a case
 * merged into another, opened by hand (refused: it has one), handed back and assigned again, a
 * reply drafted, submitted, shown, rejected, redrafted, signed, exported, posted by staff and
 * confirmed from the crawled board, rated low and reopened; the inbox and the report on the way;
 * people and keys listed and revoked. Export channel: no browser needed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReplica, type Replica } from '../../fixtures/replica/server.js'
import { demoSources } from '../../src/demo/run.js'
import { cliIn, runCli } from '../helpers/cli.js'

const REPLY =
  '您好！您反映的问题已收悉。经平房区信访局转相关单位现场核实，将于12月5日前处理完毕，处理结果将及时告知。如有疑问，请致电平房区信访局 0451-86801234。感谢您对平房区工作的关心和支持。'

describe('casework through the CLI: merge, hand back, reject, confirm from the board, reopen, inbox, report, people', () => {
  let dir: string
  let replica: Replica
  const env = (): Record<string, string> => ({ LIANXIN_HOME: join(dir, 'home'), LIANXIN_PASSPHRASE: 'correct-horse-battery' })
  const { cli, ok, text } = cliIn(() => dir, env)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lianxin-casework-'))
    replica = await startReplica({ port: 0, crawlDelay: 0 })
  })
  afterAll(async () => {
    await replica.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('takes two cases from the board through the commands staff, handlers and leaders use', async () => {
    expect((await runCli(['init', '--json'], { cwd: dir })).code).toBe(0)
    const file = join(dir, 'lianxin.yaml')
    const doc = parseDocument(readFileSync(file, 'utf8'))
    doc.setIn(['sources'], doc.createNode(demoSources(replica.url).filter((s) => s.kind === 'liuyan')))
    doc.setIn(['crawl', 'minIntervalMs'], 0)
    doc.setIn(['publish'], doc.createNode({ channels: [{ id: 'export', kind: 'export', dir: 'outgoing' }], default: 'export' }))
    writeFileSync(file, doc.toString())
    const fingerprints: Record<string, string> = {}
    for (const signer of ['liuju', 'wangqu']) {
      const made = await ok('keys', 'init', '--user', signer)
      fingerprints[signer] = String((await ok('keys', 'register', signer, '--file', String(made.publicKeyPath), '--as', 'admin')).fingerprint)
    }
    await ok('crawl')
    await ok('triage')

    // Two reports of one matter: the second is merged into the first; a case by hand is refused, it has one.
    const received = (await ok('tickets', 'list', '--status', 'received')).tickets as Array<{ id: number }>
    const [a, b] = received.map((t) => String(t.id)) as [string, string]
    expect(await text('inbox', '--as', 'zhangwei')).toMatch(new RegExp(`#${a} [^\\n]*\\n\\s+lianxin tickets accept ${a}\\b`))
    expect((await ok('tickets', 'merge', b, '--into', a, '--as', 'zhangwei')).status).toBe('merged')
    const shownA = await ok('tickets', 'show', a)
    const post = (shownA.posts as Array<{ id: number; url: string; externalId: string }>)[0]!
    const again = await cli('tickets', 'open', String(post.id), '--reason', '再立一案', '--as', 'zhangwei')
    expect([again.code, again.stderr]).toEqual([6, expect.stringContaining(`post ${post.id} is already in case #${a}`)])

    // 交办, 退单, 交办 again to the unit proposed.
    await ok('tickets', 'accept', a, '--as', 'zhangwei')
    const first = await ok('tickets', 'assign', a, '--lead', 'xingjian', '--as', 'zhangwei')
    expect(first.status).toBe('assigned')
    const back = await ok('tickets', 'handback', a, '--unit', 'xingjian', '--reason', '不属于兴建街道辖区', '--propose', 'xinwei', '--as', 'lina')
    expect(back.status).toBe('accepted')
    await ok('tickets', 'assign', a, '--as', 'zhangwei')
    const assigned = (await ok('tickets', 'show', a)).state as { lead: string; subtasks: Array<{ owner: string; status: string }> }
    expect(assigned.lead).toBe('xinwei')
    for (const s of assigned.subtasks.filter((x) => x.status === 'open')) await ok('tickets', 'done', a, '--unit', s.owner, '--as', 'zhangwei')
    await ok('tickets', 'characterise', a, '--kind', 'petition', '--as', 'zhangwei')

    // Draft, submit, show; the bureau head sends it back; redraft and sign twice.
    writeFileSync(join(dir, 'reply.txt'), `${REPLY.slice(0, -1)}`)
    expect(await ok('replies', 'draft', a, '--file', join(dir, 'reply.txt'), '--as', 'zhangwei')).toMatchObject({ version: 1, submitted: false })
    expect((await ok('replies', 'submit', a, '--as', 'zhangwei')).status).toBe('awaiting-bureau-head')
    expect(await text('replies', 'show', a)).toContain(REPLY.slice(0, 40))
    expect((await ok('replies', 'reject', a, '--reason', '结尾请完整', '--as', 'liuju')).status).toBe('drafting')
    writeFileSync(join(dir, 'reply.txt'), REPLY)
    expect(await ok('replies', 'draft', a, '--file', join(dir, 'reply.txt'), '--submit', '--as', 'zhangwei')).toMatchObject({ version: 2, submitted: true })
    expect(await text('inbox', '--as', 'liuju')).toContain(`lianxin replies approve ${a}`)
    for (const who of ['liuju', 'wangqu']) expect((await cli('replies', 'approve', a, '--yes', '--as', who)).code).toBe(0)

    // Exported; staff post it on the board; confirmed from the crawled thread.
    expect(await ok('replies', 'publish', a, '--as', 'zhangwei')).toMatchObject({ outcome: 'exported' })
    const early = await cli('replies', 'confirm-published', a, '--url', post.url, '--as', 'zhangwei')
    expect([early.code, early.stderr]).toEqual([6, expect.stringContaining('shows no official reply yet')])
    replica.corpus.postAnswer(Number(post.externalId), { organization: '哈尔滨市平房区人民政府', content: REPLY })
    await ok('crawl')
    expect(await ok('replies', 'confirm-published', a, '--url', post.url, '--as', 'zhangwei')).toMatchObject({ match: 'exact', status: 'published' })

    // Rated low by phone, reopened for another round.
    await ok('tickets', 'rate', a, '--grade', 'dissatisfied', '--source', 'phone', '--comment', '问题依旧', '--as', 'lina')
    expect((await ok('tickets', 'reopen', a, '--reason', '群众不满意，重新办理', '--as', 'zhangwei')).status).toBe('characterised')
    const reopened = (await ok('tickets', 'show', a)).state as { round: number; subtasks: Array<{ owner: string; status: string }> }
    expect(reopened.round).toBe(2)
    expect(reopened.subtasks.filter((s) => s.owner === 'xinwei').map((s) => s.status)).toEqual(['open']) // the unit works on it again
    // For people: the list and the case in full.
    expect(await text('tickets', 'list', '--status', 'characterised')).toMatch(new RegExp(`^#${a} +\\S+ +characterised +新伟街道`, 'm'))
    const shown = await text('tickets', 'show', a)
    for (const line of ['status characterised', 'round 2', 'hand-backs by xingjian: 1', 'rejected v1 as bureau-head by liuju', `published v2 via board at ${post.url}`, 'rated dissatisfied (phone) round 1: 问题依旧', 'ticket.reopened']) {
      expect(shown).toContain(line)
    }

    // The period's figures: two cases received, one merged, one handed back by 兴建街道.
    const report = await ok('report')
    expect(report).toMatchObject({ cases: expect.objectContaining({ received: received.length, merged: 1 }) })
    expect(await text('report')).toMatch(/满意率/)

    // People and keys.
    expect(((await ok('users', 'list')).users as Array<{ name: string }>).map((u) => u.name)).toEqual(expect.arrayContaining(['zhangwei', 'lina', 'liuju', 'wangqu']))
    expect(((await ok('keys', 'list')).keys as Array<{ fingerprint: string }>).map((k) => k.fingerprint).sort()).toEqual(Object.values(fingerprints).sort())
    await ok('keys', 'revoke', fingerprints.wangqu!, '--reason', '手机丢失', '--as', 'admin')
    expect(((await ok('keys', 'list')).keys as Array<{ fingerprint: string; revoked?: unknown; revokedAt?: unknown }>).find((k) => k.fingerprint === fingerprints.wangqu)).toMatchObject({ revokedAt: expect.any(String) })
    await ok('users', 'revoke', 'lina', '--reason', '调离', '--as', 'admin')
    const revoked = await cli('tickets', 'rate', a, '--grade', 'satisfied', '--source', 'phone', '--as', 'lina')
    expect(revoked.code).toBe(6)
    expect((await ok('audit', 'verify')).ok).toBe(true)
  }, 240_000)
})
