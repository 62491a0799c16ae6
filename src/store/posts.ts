import { gunzipSync, gzip } from 'node:zlib'
import { promisify } from 'node:util'
import { canonicalJson, sha256Hex } from '../audit/canonical.js'
import type { Insertable } from 'kysely'
import { insertRows } from './bulk.js'
import { appendEvents } from './events.js'
import { inTransaction, type Session } from './session.js'
import type { PostRow, PostVersionsTable } from './types.js'

/** A post as an adapter parsed it. */
export interface CapturedPost {
  sourceId: string
  /** The source's own id: a tid, a Weibo mid, a permanent article URL… */
  externalId: string
  url?: string | null
  title: string
  body: string
  author?: string | null
  /** ISO-8601. */
  publishedAt?: string | null
  /** Source-specific fields that are part of the content (board, state, official reply, grades). */
  meta?: Record<string, unknown>
  /** Counts that change all the time (reposts, likes): kept up to date, never a new version. */
  metrics?: Record<string, number>
}

export type PostChange = 'new' | 'updated' | 'unchanged'

export interface UpsertResult {
  id: number
  version: number
  change: PostChange
}

export interface Post {
  id: number
  sourceId: string
  externalId: string
  url: string | null
  title: string
  body: string
  author: string | null
  publishedAt: string | null
  firstSeenAt: string
  updatedAt: string
  version: number
  contentHash: string
  meta: Record<string, unknown>
  metrics: Record<string, number>
  triagedVersion: number | null
}

/** The hash that decides whether a post changed: title, body, author, time and meta, not metrics. */
export function contentHash(post: CapturedPost): string {
  return sha256Hex(
    canonicalJson({
      author: post.author ?? null,
      body: post.body,
      meta: post.meta ?? {},
      publishedAt: post.publishedAt ?? null,
      title: post.title,
    }),
  )
}

/**
 * Inserts a post the first time it is seen, or stores a new version when its content changed;
 * the old version stays in post_versions. Idempotent: the same content again changes nothing
 * but the metrics. Run it in the same transaction as the source's checkpoint.
 */
export async function upsertPost(session: Session, post: CapturedPost, rawPageId: number | null = null): Promise<UpsertResult> {
  const [result] = await upsertPosts(session, [post], rawPageId)
  return result as UpsertResult
}

/**
 * {@link upsertPost} for a page of posts at once, with a handful of statements per page rather
 * than per post (one lookup, multi-row inserts, one batch of events). Results are in input
 * order; a post repeated within the batch is handled as if upserted twice in a row.
 */
export async function upsertPosts(session: Session, posts: CapturedPost[], rawPageId: number | null = null): Promise<UpsertResult[]> {
  if (posts.length === 0) return []
  return inTransaction(session, async (tx) => {
    const at = tx.now().toISOString()
    const known = new Map<string, { id: number; version: number; content_hash: string; meta: string }>()
    const keyOf = (sourceId: string, externalId: string) => `${sourceId}\u0000${externalId}`
    for (const [sourceId, ids] of groupBy(posts)) {
      for (let i = 0; i < ids.length; i += CHUNK) {
        const rows = await tx.db
          .selectFrom('posts')
          .select(['id', 'external_id', 'version', 'content_hash', 'meta'])
          .where('source_id', '=', sourceId)
          .where('external_id', 'in', ids.slice(i, i + CHUNK))
          .execute()
        for (const row of rows) known.set(keyOf(sourceId, row.external_id), row)
      }
    }

    const results: UpsertResult[] = []
    const versions: Array<Insertable<PostVersionsTable>> = []
    const events: Array<{ post: CapturedPost; id: number; version: number; hash: string; revised: boolean }> = []
    // Posts seen for the first time go in one multi-row insert; a post repeated within the batch
    // waits for a second pass, where it is an update of the first.
    const fresh: Array<{ post: CapturedPost; hash: string; meta: string; slot: number }> = []
    const later: number[] = []
    const pending = new Set<string>()
    for (const [index, post] of posts.entries()) {
      const key = keyOf(post.sourceId, post.externalId)
      if (pending.has(key)) {
        later.push(index)
        results.push(PLACEHOLDER)
        continue
      }
      const hash = contentHash(post)
      const meta = JSON.stringify({ ...(post.meta ?? {}), metrics: post.metrics ?? {} })
      if (!known.has(key)) {
        pending.add(key)
        fresh.push({ post, hash, meta, slot: index })
        results.push(PLACEHOLDER)
        continue
      }
      results.push(await apply(post, hash, meta))
    }
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const chunk = fresh.slice(i, i + CHUNK)
      const inserted = await insertRows(
        tx.db,
        'posts',
        chunk.map(({ post, hash, meta }) => ({ ...postFields(post, hash, meta, 1, at), source_id: post.sourceId, external_id: post.externalId, first_seen_at: at, triaged_version: null })),
        ['id', 'source_id', 'external_id'],
      )
      const ids = new Map(inserted.map((row) => [keyOf(row.source_id as string, row.external_id as string), Number(row.id)]))
      for (const { post, hash, meta, slot } of chunk) {
        const id = ids.get(keyOf(post.sourceId, post.externalId)) as number
        known.set(keyOf(post.sourceId, post.externalId), { id, version: 1, content_hash: hash, meta })
        versions.push({ post_id: id, version: 1, captured_at: at, content_hash: hash, title: post.title, body: post.body, meta, raw_page_id: rawPageId })
        events.push({ post, id, version: 1, hash, revised: false })
        results[slot] = { id, version: 1, change: 'new' }
      }
    }
    for (const index of later) {
      const post = posts[index] as CapturedPost
      results[index] = await apply(post, contentHash(post), JSON.stringify({ ...(post.meta ?? {}), metrics: post.metrics ?? {} }))
    }

    /** A post already stored: unchanged (metrics refreshed) or a new version. */
    async function apply(post: CapturedPost, hash: string, meta: string): Promise<UpsertResult> {
      const existing = known.get(keyOf(post.sourceId, post.externalId)) as { id: number; version: number; content_hash: string; meta: string }
      if (existing.content_hash === hash) {
        if (existing.meta !== meta) {
          await tx.db.updateTable('posts').set({ meta }).where('id', '=', existing.id).execute()
          existing.meta = meta
        }
        return { id: existing.id, version: existing.version, change: 'unchanged' }
      }
      const version = existing.version + 1
      await tx.db.updateTable('posts').set(postFields(post, hash, meta, version, at)).where('id', '=', existing.id).execute()
      Object.assign(existing, { version, content_hash: hash, meta })
      versions.push({ post_id: existing.id, version, captured_at: at, content_hash: hash, title: post.title, body: post.body, meta, raw_page_id: rawPageId })
      events.push({ post, id: existing.id, version, hash, revised: true })
      return { id: existing.id, version, change: 'updated' }
    }

    for (let i = 0; i < versions.length; i += CHUNK) await insertRows(tx.db, 'post_versions', versions.slice(i, i + CHUNK))
    await appendEvents(
      tx,
      events.map((e) => ({
        stream: `post:${e.id}`,
        type: e.revised ? 'post.revised' : 'post.captured',
        actor: 'system:crawler',
        payload: { postId: e.id, sourceId: e.post.sourceId, externalId: e.post.externalId, version: e.version, contentHash: e.hash },
      })),
    )
    return results
  })
}

const CHUNK = 200
const PLACEHOLDER: UpsertResult = { id: 0, version: 0, change: 'unchanged' }

function postFields(post: CapturedPost, hash: string, meta: string, version: number, at: string) {
  return {
    url: post.url ?? null,
    title: post.title,
    body: post.body,
    author: post.author ?? null,
    published_at: post.publishedAt ?? null,
    updated_at: at,
    version,
    content_hash: hash,
    meta,
  }
}

function groupBy(posts: CapturedPost[]): Map<string, string[]> {
  const bySource = new Map<string, string[]>()
  for (const post of posts) {
    const ids = bySource.get(post.sourceId) ?? []
    ids.push(post.externalId)
    bySource.set(post.sourceId, ids)
  }
  return bySource
}

export function toPost(row: PostRow): Post {
  const { metrics, ...meta } = JSON.parse(row.meta) as Record<string, unknown> & { metrics?: Record<string, number> }
  return {
    id: row.id,
    sourceId: row.source_id,
    externalId: row.external_id,
    url: row.url,
    title: row.title,
    body: row.body,
    author: row.author,
    publishedAt: row.published_at,
    firstSeenAt: row.first_seen_at,
    updatedAt: row.updated_at,
    version: row.version,
    contentHash: row.content_hash,
    meta,
    metrics: metrics ?? {},
    triagedVersion: row.triaged_version,
  }
}

export async function getPost(session: Session, id: number): Promise<Post | undefined> {
  const row = await session.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? toPost(row) : undefined
}

export async function findPost(session: Session, sourceId: string, externalId: string): Promise<Post | undefined> {
  const row = await session.db
    .selectFrom('posts')
    .selectAll()
    .where('source_id', '=', sourceId)
    .where('external_id', '=', externalId)
    .executeTakeFirst()
  return row ? toPost(row) : undefined
}

export interface ListPostsOptions {
  sourceId?: string
  /** Only posts whose current version has not been triaged yet. */
  untriaged?: boolean
  /** Only the post at this address. */
  url?: string
  limit?: number
}

export async function listPosts(session: Session, options: ListPostsOptions = {}): Promise<Post[]> {
  let query = session.db.selectFrom('posts').selectAll().orderBy('id')
  if (options.sourceId !== undefined) query = query.where('source_id', '=', options.sourceId)
  if (options.url !== undefined) query = query.where('url', '=', options.url)
  if (options.untriaged) {
    query = query.where((eb) => eb.or([eb('triaged_version', 'is', null), eb('triaged_version', '<', eb.ref('version'))]))
  }
  if (options.limit !== undefined) query = query.limit(options.limit)
  return (await query.execute()).map(toPost)
}

export async function countPosts(session: Session): Promise<number> {
  const row = await session.db.selectFrom('posts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Every version of a post, oldest first. */
export async function postVersions(session: Session, postId: number) {
  return session.db.selectFrom('post_versions').selectAll().where('post_id', '=', postId).orderBy('version').execute()
}

/** Marks the given version of a post as triaged (the triage result itself is an event). */
export async function markTriaged(session: Session, postId: number, version: number): Promise<void> {
  await session.db.updateTable('posts').set({ triaged_version: version }).where('id', '=', postId).execute()
}

/** Keeps a fetched body, gzip-compressed, for re-parsing after a parser fix. */
export interface RawPage {
  sourceId: string
  url: string
  status: number
  contentType: string | null
  body: Uint8Array
}

export async function saveRawPage(session: Session, page: RawPage): Promise<number> {
  return (await saveRawPages(session, [page]))[0] as number
}

/** Keeps fetched bodies, gzip-compressed in parallel, in one insert; returns their ids in order. */
export async function saveRawPages(session: Session, pages: RawPage[]): Promise<number[]> {
  if (pages.length === 0) return []
  const fetchedAt = session.now().toISOString()
  const compressed = await Promise.all(pages.map((p) => compress(p.body)))
  const rows = await insertRows(
    session.db,
    'raw_pages',
    pages.map((page, i) => ({
      source_id: page.sourceId,
      url: page.url,
      fetched_at: fetchedAt,
      status: page.status,
      content_type: page.contentType,
      sha256: sha256Hex(page.body),
      body_gz: compressed[i] as Buffer,
    })),
    ['id'],
  )
  // Identity values grow within one statement, so sorted ids are in VALUES order.
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b)
}

const gzipAsync = promisify(gzip)

/**
 * Level 1 (raw pages are kept for re-parsing, not for archival size: several times faster than
 * the default), on libuv's thread pool so the crawl's main thread goes on parsing meanwhile.
 */
export async function compress(body: Uint8Array): Promise<Buffer> {
  return gzipAsync(body, { level: 1 })
}

export async function readRawPage(session: Session, id: number): Promise<{ url: string; contentType: string | null; body: Buffer } | undefined> {
  const row = await session.db.selectFrom('raw_pages').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? { url: row.url, contentType: row.content_type, body: gunzipSync(row.body_gz) } : undefined
}
