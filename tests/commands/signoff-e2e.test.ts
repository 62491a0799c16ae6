/**
 * The whole job as a new user does it, through the CLI only: init, people and keys, crawl the
 * replica board, triage, accept, assign, characterise, draft, two signatures, publish through the
 * board's back office (real Chromium), rate, close, audit verify — and the refusals on the way.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReplica, type Replica } from '../../fixtures/replica/server.js'
import { backofficeState } from '../../fixtures/replica/sites/backoffice.js'
import { demoSources } from '../../src/demo/run.js'
import { cliIn, runCli } from '../helpers/cli.js'

const REPLY =
  '您好！您反映的问题已收悉。经平房区信访局转兴建街道办事处现场核实，相关单位将于12月5日前处理完毕，处理结果将及时告知。如有疑问，请致电兴建街道办事处 0451-86801234。感谢您对平房区工作的关心和支持。'

describe('a reply from the citizen’s post to the board, through the CLI', () => {
  let dir: string
  let replica: Replica
  const env = (): Record<string, string> => ({ LIANXIN_HOME: join(dir, 'home'), LIANXIN_PASSPHRASE: 'correct-horse-battery', LIANXIN_BACKOFFICE_PASSWORD: 'replica-pass' })
  const { cli, ok } = cliIn(() => dir, env)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lianxin-e2e-'))
    replica = await startReplica({ port: 0, crawlDelay: 0 })
  })
  afterAll(async () => {
    await replica.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('runs init → people and keys → crawl → triage → accept → assign → characterise → draft → approve ×2 → publish → rate → close → audit verify', async () => {
    expect((await runCli(['init', '--json'], { cwd: dir })).code).toBe(0)
    const file = join(dir, 'lianxin.yaml')
    const doc = parseDocument(readFileSync(file, 'utf8'))
    doc.setIn(['sources'], doc.createNode(demoSources(replica.url).filter((s) => s.kind === 'liuyan')))
    doc.setIn(['crawl', 'minIntervalMs'], 0)
    doc.setIn(['publish'], doc.createNode({ channels: [{ id: 'board', kind: 'browser', url: `${replica.url}/backoffice`, username: 'pingfang', passwordEnv: 'LIANXIN_BACKOFFICE_PASSWORD' }], default: 'board' }))
    writeFileSync(file, doc.toString())
    expect((await cli('config', 'check')).code).toBe(0)

    // People: the profile's, plus a new member of staff; the two signers make keys, an admin registers them.
    await ok('users', 'add', 'zhaomin', '--role', 'staff', '--display-name', '赵敏', '--as', 'admin')
    const refusedAdd = await cli('users', 'add', 'sunli', '--role', 'staff', '--as', 'zhaomin')
    expect(refusedAdd.code).toBe(6)
    expect(refusedAdd.stderr).toMatch(/may not add people/)
    for (const signer of ['liuju', 'wangqu']) {
      const made = await ok('keys', 'init', '--user', signer)
      await ok('keys', 'register', signer, '--file', String(made.publicKeyPath), '--as', 'admin')
    }

    // Crawl and triage the board.
    const crawl = await ok('crawl')
    expect((crawl.totals as { new: number }).new).toBeGreaterThan(5)
    const triage = await ok('triage')
    expect(Number(triage.ticketsOpened)).toBeGreaterThan(0)
    const listed = (await ok('tickets', 'list', '--status', 'received')).tickets as Array<{ id: number; next: { name: string } | null }>
    expect(listed[0]?.next?.name).toBe('accept')
    const id = String(listed[0]!.id)

    // Intake: accept, assign as triage proposed, each unit reports, characterise.
    expect((await ok('tickets', 'accept', id, '--as', 'zhaomin')).status).toBe('accepted')
    const assigned = await ok('tickets', 'assign', id, '--as', 'zhaomin')
    expect(assigned.status).toBe('assigned')
    const shown = await ok('tickets', 'show', id)
    const subtasks = (shown.state as { subtasks: Array<{ owner: string }> }).subtasks
    for (const s of subtasks) await ok('tickets', 'done', id, '--unit', s.owner, '--as', 'zhaomin')
    expect((await ok('tickets', 'characterise', id, '--kind', 'petition', '--as', 'zhaomin')).status).toBe('characterised')

    // Draft and sign: the leader cannot go first, the author cannot sign, a bad passphrase is refused.
    writeFileSync(join(dir, 'reply.txt'), REPLY)
    const draft = await ok('replies', 'draft', id, '--file', join(dir, 'reply.txt'), '--submit', '--as', 'zhaomin')
    expect(draft).toMatchObject({ version: 1, submitted: true, status: 'awaiting-bureau-head' })
    const early = await cli('replies', 'approve', id, '--yes', '--as', 'wangqu')
    expect(early.code).toBe(6)
    const wrongPass = await runCli(['replies', 'approve', id, '--yes', '--as', 'liuju', '--config', file], { cwd: dir, env: { ...env(), LIANXIN_PASSPHRASE: 'not-the-passphrase' } })
    expect(wrongPass.code).not.toBe(0)
    expect(wrongPass.stderr).toMatch(/passphrase/i)
    const first = await cli('replies', 'approve', id, '--yes', '--version', '1', '--as', 'liuju')
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain(REPLY)
    expect(first.stdout).toMatch(/Reply check/)
    expect((await ok('replies', 'approve', id, '--yes', '--as', 'wangqu')).status).toBe('approved')

    // Publish through the back office (real Chromium); a second run sends nothing.
    const published = await ok('replies', 'publish', id, '--as', 'zhaomin')
    expect(published).toMatchObject({ outcome: 'published', channel: 'board' })
    const again = await cli('replies', 'publish', id, '--as', 'zhaomin')
    expect(again.code).toBe(6)
    expect(again.stderr).toMatch(/was already published \(version 1 via board/)
    const thread = (await ok('tickets', 'show', id)).posts as Array<{ externalId: string }>
    const posted = backofficeState(replica.corpus).replies
    expect(posted.map((r) => [String(r.tid), r.content])).toEqual([[thread[0]!.externalId, REPLY]])

    // The citizen's rating (not by the reply's author), closing, and the record.
    const own = await cli('tickets', 'rate', id, '--grade', 'satisfied', '--source', 'phone', '--as', 'zhaomin')
    expect(own.code).toBe(6)
    expect(own.stderr).toMatch(/wrote the reply and cannot record the citizen's rating/)
    await ok('tickets', 'rate', id, '--grade', 'satisfied', '--source', 'phone', '--as', 'zhangwei')
    expect((await ok('tickets', 'close', id, '--as', 'zhaomin')).status).toBe('closed')
    const afterClose = await cli('replies', 'approve', id, '--yes', '--as', 'liuju')
    expect(afterClose.code).toBe(6)
    const audit = await ok('audit', 'verify')
    expect(audit.ok).toBe(true)
    const events = ((await ok('tickets', 'show', id)).events as Array<{ type: string }>).map((e) => e.type)
    expect(events).toEqual(
      expect.arrayContaining(['ticket.opened', 'ticket.accepted', 'ticket.assigned', 'ticket.characterised', 'ticket.reply-drafted', 'ticket.submitted', 'ticket.approved', 'reply.publish-started', 'ticket.published', 'ticket.rated', 'ticket.closed']),
    )
  }, 240_000)
})
