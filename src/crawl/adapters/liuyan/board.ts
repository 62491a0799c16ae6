/**
 * Crawling one board: re-check the open threads kept in the cursor, then walk the list newest first down
 * to the watermark (highest tid stored), one content request per new thread. Crash-safe: the watermark
 * moves only once a walk has reached it; until then the cursor remembers where the walk is.
 */
import type { CrawlPage, ParsedPost } from '../../adapter.js'
import { BadResponseError } from '../../errors.js'
import type { FetchResponse } from '../../fetcher.js'
import type { LiuyanContext, ListPage, SignedApi } from './api.js'
import type { Board } from './boards.js'
import { formList, type FormVariant } from './form.js'
import { needsRecheck, num, threadId, toPost, type RawThread, type ThreadDetail } from './parse.js'

/** Cursor of a `board:<fid>` scope. */
export interface BoardCursor {
  /** Highest tid whose whole history below it is stored. */
  watermark: number
  /** A walk in progress: newest tid seen in it, and the last tid stored (the next page starts below it). */
  walk?: { high: number; after: number }
  /** Threads still open (待回复, 办理中, or 已办理 without reply or rating), newest first. */
  open: number[]
}

/** Which list API is used. */
export type TransportName = 'signed' | FormVariant

type DetailResult = { kind: 'ok'; detail: ThreadDetail; res: FetchResponse } | { kind: 'missing'; res: FetchResponse } | { kind: 'unavailable' }

/**
 * The APIs of one run: lists by the chosen transport (signed falls back to the legacy form API when it
 * answers something unusable; SN0006 is a block and is never fallen back from) and thread contents from
 * the signed API while it is usable.
 */
export class Transport {
  private contentUsable: boolean

  constructor(
    private readonly ctx: LiuyanContext,
    private readonly signed: SignedApi | null,
    public mode: TransportName,
    private readonly pageSize: number,
  ) {
    this.contentUsable = signed !== null
  }

  async list(fid: number, after: number | null): Promise<ListPage> {
    if (this.mode === 'signed') {
      if (this.signed) {
        try {
          return await this.signed.list(fid, after, this.pageSize)
        } catch (err) {
          if (!(err instanceof BadResponseError)) throw err
          this.ctx.log(`the signed list answered something unusable (${err.message}); falling back to the form API`)
        }
      } else {
        this.ctx.log('no appCode, so no signed API; using the form API')
      }
      this.mode = 'form'
    }
    return formList(this.ctx, this.mode, fid, after, this.pageSize)
  }

  async detail(tid: number): Promise<DetailResult> {
    if (!this.signed || !this.contentUsable) return { kind: 'unavailable' }
    try {
      const { detail, res } = await this.signed.content(tid)
      return detail ? { kind: 'ok', detail, res } : { kind: 'missing', res }
    } catch (err) {
      if (!(err instanceof BadResponseError)) throw err
      this.contentUsable = false
      this.ctx.log(`the content API answered something unusable (${err.message}); storing list texts for the rest of this run`)
      return { kind: 'unavailable' }
    }
  }
}

/** What crawling a board needs. */
export interface BoardRun {
  ctx: LiuyanContext
  transport: Transport
  board: Board
  checkpoint(scope: string): Promise<unknown>
  maxPages: number | undefined
  /** How many open threads to keep re-checking. */
  openLimit: number
  /** Threads submitted before this Unix time are not fetched (backfillDays), or null. */
  floor: number | null
}

const RECHECK_CHUNK = 20

/** A stored cursor, checked (a malformed one starts over, which is safe: upserts are idempotent). */
export function readCursor(value: unknown): BoardCursor {
  const c = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const watermark = num(c.watermark) ?? 0
  const open = Array.isArray(c.open) ? c.open.map(num).filter((t): t is number => t !== null) : []
  const w = (typeof c.walk === 'object' && c.walk !== null ? c.walk : null) as Record<string, unknown> | null
  const high = num(w?.high)
  const after = num(w?.after)
  return high !== null && after !== null ? { watermark, walk: { high, after }, open } : { watermark, open }
}

/** Open tids, newest first, without duplicates, at most `limit`. */
export function mergeOpen(open: readonly number[], add: readonly number[], limit: number): number[] {
  return [...new Set([...open, ...add])].sort((a, b) => b - a).slice(0, limit)
}

/** Crawls one board: re-checks its open threads, then walks its list down to the watermark. */
export async function* crawlBoard(run: BoardRun): AsyncGenerator<CrawlPage> {
  const scope = `board:${run.board.fid}`
  let cursor = readCursor(await run.checkpoint(scope))
  if (cursor.open.length > 0) cursor = yield* recheck(run, scope, cursor)
  yield* walk(run, scope, cursor)
}

async function* recheck(run: BoardRun, scope: string, start: BoardCursor): AsyncGenerator<CrawlPage, BoardCursor> {
  let cursor = start
  const todo = [...start.open]
  while (todo.length > 0) {
    const chunk = todo.splice(0, RECHECK_CHUNK)
    const posts: ParsedPost[] = []
    const raw: FetchResponse[] = []
    const done = new Set<number>()
    for (const tid of chunk) {
      const got = await run.transport.detail(tid)
      if (got.kind === 'unavailable') break
      done.add(tid)
      raw.push(got.res)
      if (got.kind === 'missing') {
        run.ctx.log(`thread ${tid} of ${run.board.name} is no longer public; no longer re-checked`)
        continue
      }
      const post = toPost({ tid, detail: got.detail, baseUrl: run.ctx.baseUrl, board: run.board })
      posts.push(post)
      if (needsRecheck(post)) done.delete(tid)
    }
    if (raw.length === 0) return cursor
    cursor = { ...cursor, open: cursor.open.filter((t) => !done.has(t)) }
    yield { scope, posts, cursor, raw }
    if (raw.length < chunk.length) return cursor
  }
  return cursor
}

async function* walk(run: BoardRun, scope: string, start: BoardCursor): AsyncGenerator<CrawlPage> {
  const { board, ctx } = run
  let cursor = start
  let resumed = start.walk !== undefined
  let after = start.walk?.after ?? null
  let high = start.walk?.high ?? start.watermark
  let pages = 0
  while (run.maxPages === undefined || pages < run.maxPages) {
    const page = await run.transport.list(board.fid, after)
    pages++
    const items = page.items.map((item) => ({ tid: threadId(item), item })).filter((x): x is { tid: number; item: RawThread } => x.tid !== null)
    if (after !== null && items.some((x) => x.tid >= after!)) {
      throw new BadResponseError(`${ctx.sourceId}: the list of ${board.name} (fid ${board.fid}) did not go below tid ${after}; stopping rather than looping`)
    }
    const fresh = items.filter((x) => x.tid > cursor.watermark && (run.floor === null || (num(x.item.dateline) ?? Infinity) >= run.floor))
    const end = items.length === 0 || fresh.length < items.length
    high = Math.max(high, ...items.map((x) => x.tid))
    const posts: ParsedPost[] = []
    const raw: FetchResponse[] = [page.res]
    for (const { tid, item } of fresh) {
      const got = await run.transport.detail(tid)
      if (got.kind !== 'unavailable') raw.push(got.res)
      posts.push(toPost({ tid, item, ...(got.kind === 'ok' ? { detail: got.detail } : {}), baseUrl: ctx.baseUrl, board }))
    }
    const open = mergeOpen(cursor.open, posts.filter(needsRecheck).map((p) => Number(p.externalId)), run.openLimit)
    const last = items.at(-1)
    cursor = end || !last ? { watermark: Math.max(high, cursor.watermark), open } : { watermark: cursor.watermark, walk: { high, after: last.tid }, open }
    yield { scope, posts, cursor, ...(posts.length > 0 ? { raw } : {}) }
    if (!end && last) {
      after = last.tid
      continue
    }
    if (!resumed) return
    // A walk resumed after an interruption is complete; look once more from the top for what came since.
    resumed = false
    after = null
    high = cursor.watermark
  }
}
