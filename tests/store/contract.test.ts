import { createHash, generateKeyPairSync } from 'node:crypto'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/audit/verify.js'
import { NotFoundError, RefusedError } from '../../src/errors.js'
import { appendEvent, chainHead, listEvents } from '../../src/store/events.js'
import { addPerson, listKeys, listPeople, registerKey, revokeKey, revokePerson } from '../../src/store/people.js'
import { getPost, listPosts, markTriaged, postVersions, readRawPage, saveRawPage, upsertPost } from '../../src/store/posts.js'
import { addReplyDraft, listDecisions, recordDecision, replyDrafts } from '../../src/store/replies.js'
import { ensureSource, getCheckpoint, listSources, recordSourceRun, saveCheckpoint } from '../../src/store/sources.js'
import { Store } from '../../src/store/store.js'
import { appendTicketEvent, getTicket, linkPost, listTickets, openTicket, ticketForPost, ticketPosts } from '../../src/store/tickets.js'
import { backends, manualClock, postgresBackend, type TestStore } from '../helpers/stores.js'

/** A reply version as the reply service stores it. */
function draftOf(ticketId: number, version: number, text: string) {
  return { ticketId, version, author: 'zhangwei', text, textSha256: createHash('sha256').update(text).digest('hex') }
}

const source = { id: 'liuyan-pingfang', kind: 'liuyan', name: '人民网领导留言板 平房区' }
const post = {
  sourceId: source.id,
  externalId: '26239890',
  url: 'http://127.0.0.1/threads/content?tid=26239890',
  title: '兴建街道北厂文化小区没有路灯',
  body: '北厂文化小区一直没有路灯，晚上老人出门很危险，希望尽快解决。',
  author: '张***',
  publishedAt: '2026-11-20T02:00:00.000Z',
  meta: { board: '平房区委书记', state: '待回复' },
  metrics: { favNum: 3 },
}

describe.each(backends)('store contract on $name', (backend) => {
  let t: TestStore
  let store: Store
  const clock = manualClock()

  beforeEach(async () => {
    t = await backend.open({ now: clock.now })
    store = t.store
  })
  afterEach(async () => {
    await t.cleanup()
  })

  describe('migrations', () => {
    it('are applied on first use and not again on the next open', async () => {
      expect(store.migration?.applied).toEqual(['0001-initial', '0002-triage', '0003-daemon'])
      const again = await Store.open({ url: t.url, ...(t.schema ? { schema: t.schema } : {}) })
      try {
        expect(again.migration?.applied).toEqual([])
        expect(again.migration?.current).toBe('0003-daemon')
      } finally {
        await again.close()
      }
    })
  })

  describe('event log', () => {
    it('chains each event to the one before it', async () => {
      const a = await appendEvent(store, { stream: 'ticket:1', type: 'ticket.opened', actor: 'zhangwei', payload: { n: 1 } })
      clock.advance(1000)
      const b = await appendEvent(store, { stream: 'ticket:1', type: 'ticket.accepted', actor: 'lina', payload: { n: 2 } })
      expect(a.event.seq).toBe(1)
      expect(b.event.seq).toBe(2)
      expect(b.event.prevHash).toBe(a.event.hash)
      expect(await chainHead(store)).toEqual({ seq: 2, hash: b.event.hash })
      const events = await listEvents(store, { stream: 'ticket:1' })
      expect(events.map((e) => e.type)).toEqual(['ticket.opened', 'ticket.accepted'])
      expect(events[1]?.payload).toEqual({ n: 2 })
      expect(events[1]?.at).toBe('2026-11-28T08:00:01.000Z')
    })

    it('writes an event with an idempotency key only once', async () => {
      const first = await appendEvent(store, { stream: 's', type: 'notify.sent', actor: 'system:daemon', payload: {}, key: 'k1' })
      const second = await appendEvent(store, { stream: 's', type: 'notify.sent', actor: 'system:daemon', payload: { other: true }, key: 'k1' })
      expect(first.created).toBe(true)
      expect(second.created).toBe(false)
      expect(second.event.seq).toBe(first.event.seq)
      expect(await listEvents(store)).toHaveLength(1)
    })

    it('keeps one unbroken chain under concurrent appends', async () => {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => appendEvent(store, { stream: `post:${i}`, type: 'post.captured', actor: 'system:crawler', payload: { i } })),
      )
      const report = await verifyChain(store)
      expect(report.ok).toBe(true)
      expect(report.events).toBe(40)
      expect((await listEvents(store)).map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    })

    it('filters by stream prefix, type and position', async () => {
      await appendEvent(store, { stream: 'ticket:1', type: 'ticket.opened', actor: 'a', payload: {} })
      await appendEvent(store, { stream: 'post:1', type: 'post.captured', actor: 'a', payload: {} })
      await appendEvent(store, { stream: 'ticket:2', type: 'ticket.opened', actor: 'a', payload: {} })
      expect((await listEvents(store, { streamPrefix: 'ticket:' })).map((e) => e.seq)).toEqual([1, 3])
      expect((await listEvents(store, { types: ['post.captured'] })).map((e) => e.seq)).toEqual([2])
      expect((await listEvents(store, { afterSeq: 1, limit: 1 })).map((e) => e.seq)).toEqual([2])
    })

    it('is refused UPDATE, DELETE (and TRUNCATE) by the database itself', async () => {
      await appendEvent(store, { stream: 'x', type: 'x.y', actor: 'a', payload: {} })
      await expect(sql`update events set actor = 'mallory'`.execute(store.db)).rejects.toThrow(/refused/)
      await expect(sql`delete from events`.execute(store.db)).rejects.toThrow(/refused/)
      if (store.backend === 'postgres') await expect(sql`truncate events`.execute(store.db)).rejects.toThrow(/refused/)
      expect(await listEvents(store)).toHaveLength(1)
    })
  })

  describe('never delete', () => {
    it('refuses DELETE on every record table and UPDATE on version tables', async () => {
      await ensureSource(store, source)
      const { id } = await upsertPost(store, post)
      const { ticket } = await openTicket(store, { title: post.title, postIds: [id], actor: 'zhangwei' })
      await addPerson(store, { name: 'liuju', displayName: '刘局长', roles: ['bureau-head'] }, 'admin')
      for (const table of ['sources', 'posts', 'post_versions', 'tickets', 'ticket_posts', 'people']) {
        await expect(sql`delete from ${sql.table(table)}`.execute(store.db), table).rejects.toThrow(/refused/)
      }
      await expect(sql`update post_versions set body = 'rewritten'`.execute(store.db)).rejects.toThrow(/refused/)
      await addReplyDraft(store, draftOf(ticket.id, 1, '您好，已安排维修。'))
      await expect(sql`update replies set text = 'other'`.execute(store.db)).rejects.toThrow(/refused/)
      expect(await getPost(store, id)).toBeDefined()
    })
  })

  describe('sources and checkpoints', () => {
    it('registers a source once and keeps its checkpoint per scope', async () => {
      await ensureSource(store, source)
      await ensureSource(store, source)
      expect(await listSources(store)).toHaveLength(1)
      expect(await listEvents(store, { types: ['source.registered'] })).toHaveLength(1)
      expect(await getCheckpoint(store, source.id, 'board:91001')).toBeUndefined()
      await saveCheckpoint(store, source.id, 'board:91001', { maxTid: 100 })
      await saveCheckpoint(store, source.id, 'board:91001', { maxTid: 120 })
      await saveCheckpoint(store, source.id, 'board:91002', { maxTid: 7 })
      expect(await getCheckpoint(store, source.id, 'board:91001')).toEqual({ maxTid: 120 })
      expect(await getCheckpoint(store, source.id, 'board:91002')).toEqual({ maxTid: 7 })
    })

    it('counts an error streak and resets it on success', async () => {
      await ensureSource(store, source)
      await recordSourceRun(store, source.id, { ok: false, error: 'HTTP 429', backoffUntil: '2026-11-28T09:00:00.000Z' })
      const failed = await recordSourceRun(store, source.id, { ok: false, error: 'HTTP 429' })
      expect(failed.error_streak).toBe(2)
      expect(failed.backoff_until).toBe('2026-11-28T09:00:00.000Z')
      const ok = await recordSourceRun(store, source.id, { ok: true })
      expect(ok.error_streak).toBe(0)
      expect(ok.last_error).toBeNull()
      expect(ok.backoff_until).toBeNull()
    })
  })

  describe('posts', () => {
    beforeEach(async () => {
      await ensureSource(store, source)
    })

    it('stores a new post, then nothing new for the same content', async () => {
      const first = await upsertPost(store, post)
      const again = await upsertPost(store, post)
      expect(first).toMatchObject({ version: 1, change: 'new' })
      expect(again).toEqual({ id: first.id, version: 1, change: 'unchanged' })
      expect(await listEvents(store, { types: ['post.captured', 'post.revised'] })).toHaveLength(1)
      const stored = await getPost(store, first.id)
      expect(stored).toMatchObject({ title: post.title, body: post.body, meta: post.meta, metrics: post.metrics, author: '张***' })
    })

    it('keeps every version when the content changes, and only refreshes metrics otherwise', async () => {
      const { id } = await upsertPost(store, post)
      await upsertPost(store, { ...post, metrics: { favNum: 9 } })
      expect((await getPost(store, id))?.version).toBe(1)
      expect((await getPost(store, id))?.metrics).toEqual({ favNum: 9 })
      const replied = { ...post, meta: { ...post.meta, state: '已办理', reply: { organization: '平房区兴建街道办事处', content: '已安装路灯。' } } }
      expect(await upsertPost(store, replied)).toEqual({ id, version: 2, change: 'updated' })
      const versions = await postVersions(store, id)
      expect(versions.map((v) => v.version)).toEqual([1, 2])
      expect(JSON.parse(versions[0]!.meta).state).toBe('待回复')
      expect(JSON.parse(versions[1]!.meta).state).toBe('已办理')
      expect((await listEvents(store, { stream: `post:${id}` })).map((e) => e.type)).toEqual(['post.captured', 'post.revised'])
    })

    it('stores posts and the checkpoint together or not at all', async () => {
      await expect(
        store.transaction(async (db) => {
          const tx = { db, now: store.now }
          await upsertPost(tx, post)
          await saveCheckpoint(tx, source.id, 'board:91001', { maxTid: 26239890 })
          throw new Error('crash before commit')
        }),
      ).rejects.toThrow('crash before commit')
      expect(await listPosts(store)).toHaveLength(0)
      expect(await getCheckpoint(store, source.id, 'board:91001')).toBeUndefined()
      expect((await verifyChain(store)).ok).toBe(true)
    })

    it('lists the posts whose current version is not triaged', async () => {
      const a = await upsertPost(store, post)
      const b = await upsertPost(store, { ...post, externalId: '2' })
      await markTriaged(store, a.id, 1)
      expect((await listPosts(store, { untriaged: true })).map((p) => p.id)).toEqual([b.id])
      await upsertPost(store, { ...post, body: `${post.body}（补充：已经三个月了）` })
      expect((await listPosts(store, { untriaged: true })).map((p) => p.id)).toEqual([a.id, b.id])
    })

    it('keeps the raw response compressed and gives it back byte for byte', async () => {
      const body = Buffer.from('{"resultData":{"data":[]}} 平房区'.repeat(50))
      const id = await saveRawPage(store, { sourceId: source.id, url: 'http://127.0.0.1/x', status: 200, contentType: 'application/json', body })
      const raw = await readRawPage(store, id)
      expect(raw?.body.equals(body)).toBe(true)
    })
  })

  describe('tickets', () => {
    let postId: number
    beforeEach(async () => {
      await ensureSource(store, source)
      postId = (await upsertPost(store, post)).id
    })

    it('opens a ticket for a post once per idempotency key', async () => {
      const input = { title: post.title, postIds: [postId], actor: 'system:triage', topic: '城乡建设', zoneId: 'xingjian', lead: 'xingjian', assist: ['chengguan'], key: `ticket.opened:post:${postId}` }
      const first = await openTicket(store, input)
      const second = await openTicket(store, input)
      expect(first.created).toBe(true)
      expect(second.created).toBe(false)
      expect(second.ticket.id).toBe(first.ticket.id)
      expect(first.ticket).toMatchObject({ status: 'received', topic: '城乡建设', assist: ['chengguan'], zoneId: 'xingjian' })
      expect(await ticketForPost(store, postId)).toBe(first.ticket.id)
      expect(await listTickets(store)).toHaveLength(1)
    })

    it('changes a ticket only by appending events and folds them into the row', async () => {
      const { ticket } = await openTicket(store, { title: post.title, postIds: [postId], actor: 'system:triage' })
      clock.advance(60_000)
      const event = await appendTicketEvent(store, ticket.id, { type: 'ticket.accepted', actor: 'lina', payload: {} }, { status: 'accepted' })
      const after = await getTicket(store, ticket.id)
      expect(after).toMatchObject({ status: 'accepted', lastSeq: event.seq, updatedAt: event.at })
      expect((await listTickets(store, { status: ['accepted'] })).map((x) => x.id)).toEqual([ticket.id])
      expect((await listTickets(store, { status: ['received'] }))).toHaveLength(0)
    })

    it('links a duplicate post to the case once', async () => {
      const { ticket } = await openTicket(store, { title: post.title, postIds: [postId], actor: 'system:triage' })
      const other = await upsertPost(store, { ...post, externalId: 'weibo-1' })
      expect(await linkPost(store, ticket.id, other.id, 'duplicate', 'system:triage')).toBe(true)
      expect(await linkPost(store, ticket.id, other.id, 'duplicate', 'system:triage')).toBe(false)
      expect((await ticketPosts(store, ticket.id)).map((l) => l.postId)).toEqual([postId, other.id])
    })

    it('says which ticket does not exist', async () => {
      await expect(appendTicketEvent(store, 999, { type: 'ticket.accepted', actor: 'x', payload: {} })).rejects.toBeInstanceOf(NotFoundError)
    })
  })

  describe('people and keys', () => {
    const ed = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()

    it('adds people once and registers and revokes their Ed25519 keys', async () => {
      await addPerson(store, { name: 'liuju', displayName: '刘局长', roles: ['bureau-head'] }, 'admin')
      await expect(addPerson(store, { name: 'liuju', displayName: 'x', roles: ['staff'] }, 'admin')).rejects.toBeInstanceOf(RefusedError)
      const key = await registerKey(store, 'liuju', ed(), 'admin')
      expect(key.fingerprint).toMatch(/^[0-9a-f]{64}$/)
      await expect(registerKey(store, 'liuju', key.publicKey, 'admin')).rejects.toThrow(/already registered/)
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
      await expect(registerKey(store, 'liuju', rsa, 'admin')).rejects.toThrow(/Ed25519/)
      await expect(registerKey(store, 'nobody', ed(), 'admin')).rejects.toBeInstanceOf(NotFoundError)
      const revoked = await revokeKey(store, key.fingerprint, 'admin', 'laptop lost')
      expect(revoked.revokedAt).toBe(clock.now().toISOString())
      await expect(revokeKey(store, key.fingerprint, 'admin', 'again')).rejects.toBeInstanceOf(RefusedError)
      expect((await listEvents(store, { stream: 'person:liuju' })).map((e) => e.type)).toEqual(['person.added', 'key.registered', 'key.revoked'])
    })

    it('revoking a person revokes their keys and keeps them on record', async () => {
      await addPerson(store, { name: 'wangqu', displayName: '王副区长', roles: ['supervising-leader'] }, 'admin')
      await registerKey(store, 'wangqu', ed(), 'admin')
      await revokePerson(store, 'wangqu', 'admin', 'left office')
      expect((await listPeople(store))[0]?.revokedAt).not.toBeNull()
      expect((await listKeys(store, 'wangqu'))[0]?.revokedAt).not.toBeNull()
      await expect(registerKey(store, 'wangqu', ed(), 'admin')).rejects.toThrow(/revoked/)
    })
  })

  describe('replies and decisions', () => {
    it('keeps every reply version and the decisions on an exact version', async () => {
      await ensureSource(store, source)
      const { id } = await upsertPost(store, post)
      const { ticket } = await openTicket(store, { title: post.title, postIds: [id], actor: 'system:triage' })
      const v1 = await addReplyDraft(store, draftOf(ticket.id, 1, '您好，已安排维修。'))
      const v2 = await addReplyDraft(store, draftOf(ticket.id, 2, '您好，兴建街道已安排路灯安装，预计12月5日前完成。'))
      expect([v1.version, v2.version]).toEqual([1, 2])
      expect((await replyDrafts(store, ticket.id)).map((d) => d.text)).toEqual([v1.text, v2.text])
      await recordDecision(store, { ticketId: ticket.id, replyVersion: 2, textSha256: v2.textSha256, approver: 'liuju', role: 'bureau-head', decision: 'approve', reason: null, keyFingerprint: 'f', signature: 's' })
      const decisions = await listDecisions(store, ticket.id)
      expect(decisions).toHaveLength(1)
      expect(decisions[0]).toMatchObject({ replyVersion: 2, decision: 'approve', approver: 'liuju' })
      expect((await verifyChain(store)).ok).toBe(true)
    })
  })
})

describe('migrations on one PostgreSQL database', () => {
  it('give a second store beside a first its own migration tables', async () => {
    // Kysely's migrator looked for its tables in any schema: beside an existing store, a new
    // schema was left without them and failed with "relation lianxin_migration_lock does not exist".
    const first = await postgresBackend.open()
    const second = await postgresBackend.open()
    try {
      expect(second.store.migration?.applied).toEqual(['0001-initial', '0002-triage', '0003-daemon'])
      const tables = await sql<{ schema: string }>`select table_schema as schema from information_schema.tables where table_name = 'lianxin_migration_lock' and table_schema in (${first.schema}, ${second.schema})`.execute(first.store.db)
      expect(tables.rows.map((r) => r.schema).sort()).toEqual([first.schema, second.schema].sort())
    } finally {
      await second.cleanup()
      await first.cleanup()
    }
  })
})
