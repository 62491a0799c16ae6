/**
 * The two incremental walks of the weibo adapter, both newest first with a crash-safe cursor
 * `{ watermark, walk?: { high, after } }`: the committed watermark (highest post id stored) only
 * moves once a walk has reached it, so a crawl killed between two pages resumes where it stopped.
 *
 * - user timelines (`containerid=107603<uid>`), paged by `since_id`; pinned posts (mblogtype 2)
 *   are stored but never move the watermark nor end the walk;
 * - keyword searches (`containerid=100103type=61&q=<kw>`), paged by `page`; the walk ends at the
 *   first page whose posts are all at or below the watermark.
 */
import type { AdapterContext, CrawlPage, ParsedPost } from '../../adapter.js'
import { BadResponseError } from '../../errors.js'
import type { FetchResponse } from '../../fetcher.js'
import { fetchLongText, getIndex, nextSearchPage, nextSinceId, type IndexAnswer } from './api.js'
import { compareIds, isPinned, maxId, mblogId, mblogsOf, toPost, type Mblog } from './mblog.js'
import { isRelativeWeiboDate } from './time.js'

/** The cursor of a `user:<uid>` or `search:<kw>` scope. */
export interface WalkCursor {
  /** Highest post id stored by a completed walk. */
  watermark: string | null
  /** A walk in progress: the highest id it has seen, and where the next page starts (since_id or page number). */
  walk?: { high: string; after: string }
}

/** Page budgets of one scope in one run. */
export interface WalkLimits {
  /** `crawl --max-pages`: the walk stops and resumes in the next run. */
  runPages: number
  /** `options.maxPagesPerScope`: the depth of a first walk; later walks resume like above. */
  scopePages: number
}

type Ctx = AdapterContext<unknown>

/** Posts of a list page, with the long texts fetched; posts already stored and costly to refresh are left out. */
async function postsOf(ctx: Ctx, mblogs: Mblog[], watermark: string | null, referer: string): Promise<{ posts: ParsedPost[]; raw: FetchResponse[] }> {
  const posts: ParsedPost[] = []
  const raw: FetchResponse[] = []
  const now = ctx.now()
  for (const m of mblogs) {
    const id = mblogId(m)
    if (id === null) {
      ctx.log(`${ctx.source.id}: skipped an mblog without an id`)
      continue
    }
    const known = watermark !== null && compareIds(id, watermark) <= 0
    // Stored already: refresh its counts only when that needs no request and cannot change its time.
    if (known && (m.isLongText || isRelativeWeiboDate(m.created_at ?? ''))) continue
    let fullHtml: string | undefined
    if (m.isLongText && !m.longText?.longTextContent) {
      const long = await fetchLongText(ctx, id, referer)
      if (long) {
        fullHtml = long.html
        raw.push(long.res)
      }
    }
    posts.push(toPost(m, { baseUrl: ctx.baseUrl, now, ...(fullHtml !== undefined ? { fullHtml } : {}) }))
  }
  return { posts, raw }
}

function ids(mblogs: Mblog[]): string[] {
  return mblogs.map(mblogId).filter((id): id is string => id !== null)
}

function highest(list: string[]): string | null {
  return list.reduce<string | null>((high, id) => maxId(high, id), null)
}

interface WalkStep {
  /** The request of this page. */
  fetch(after: string | undefined): Promise<IndexAnswer>
  /** Whether an answer with ok != 1 on the first page of a fresh walk is an error (users) or "nothing" (searches). */
  emptyFirstIsError: boolean
  /** Where the next page starts, or undefined at the end. */
  next(answer: IndexAnswer, after: string | undefined): string | undefined
  /** Whether the walk has reached what is already stored. */
  reachedOld(pageIds: string[], watermark: string): boolean
  /** Which mblogs count for the watermark (pinned posts do not). */
  timeline(mblogs: Mblog[]): Mblog[]
}

async function* walkScope(ctx: Ctx, scope: string, limits: WalkLimits, referer: string, step: WalkStep): AsyncGenerator<CrawlPage> {
  const saved = (await ctx.checkpoint<WalkCursor>(scope)) ?? { watermark: null }
  let watermark = saved.watermark ?? null
  let walk = saved.walk
  let pages = 0
  for (;;) {
    const resumed = walk !== undefined
    const firstWalk = watermark === null
    let high = walk?.high ?? null
    let after = walk?.after
    let finished = false
    while (pages < Math.min(limits.runPages, limits.scopePages)) {
      const answer = await step.fetch(after)
      pages++
      const where = `${ctx.source.id}: /api/container/getIndex (${scope})`
      if (answer.ok !== 1) {
        if (after === undefined && step.emptyFirstIsError) {
          throw new BadResponseError(`${where} answered ok:${answer.ok}${answer.body.msg ? ` (${answer.body.msg})` : ''} on the first page`, {
            suggestions: ['Check that the uid exists and its posts are public; some accounts need a logged-in cookie (options.cookie / cookieEnv).'],
          })
        }
        if (after === undefined) ctx.log(`${scope}: no results`)
        finished = true
        high = maxId(high, watermark)
        yield { scope, posts: [], cursor: { watermark: high } satisfies WalkCursor, raw: [answer.res] }
        break
      }
      const mblogs = mblogsOf(answer.body.data?.cards)
      const pageIds = ids(step.timeline(mblogs))
      high = maxId(high, highest(pageIds))
      const { posts, raw } = await postsOf(ctx, mblogs, watermark, referer)
      const next = step.next(answer, after)
      const reached = watermark !== null && pageIds.length > 0 && step.reachedOld(pageIds, watermark)
      // A sudden empty page ends the scope, like the last one.
      const atEnd = pageIds.length === 0 || next === undefined || next === after
      const cappedFirst = firstWalk && pages >= limits.scopePages && limits.scopePages <= limits.runPages
      finished = reached || atEnd || cappedFirst || high === null
      const cursor: WalkCursor = finished ? { watermark: maxId(high, watermark) } : { watermark, walk: { high: high ?? '0', after: next ?? '' } }
      if (cappedFirst && !reached && !atEnd) ctx.log(`${scope}: first crawl stops after ${pages} pages (options.maxPagesPerScope)`)
      yield { scope, posts, cursor, raw: [answer.res, ...raw] }
      if (finished) break
      after = next
    }
    if (!finished) return
    watermark = maxId(high, watermark)
    walk = undefined
    // A resumed walk is done: look at what is new on top, if the budget allows.
    if (!resumed || pages >= Math.min(limits.runPages, limits.scopePages)) return
  }
}

/** Walks the timeline of one user (scope `user:<uid>`). */
export function walkUser(ctx: Ctx, uid: string, limits: WalkLimits): AsyncGenerator<CrawlPage> {
  const containerid = `107603${uid}`
  const referer = `${ctx.baseUrl.replace(/\/+$/, '')}/u/${uid}`
  return walkScope(ctx, `user:${uid}`, limits, referer, {
    fetch: (after) => getIndex(ctx, { containerid, ...(after !== undefined ? { since_id: after } : {}) }, referer),
    emptyFirstIsError: true,
    next: (answer) => nextSinceId(answer),
    reachedOld: (pageIds, watermark) => pageIds.some((id) => compareIds(id, watermark) <= 0),
    timeline: (mblogs) => mblogs.filter((m) => !isPinned(m)),
  })
}

/** Walks the real-time search results of one keyword (scope `search:<kw>`). */
export function walkSearch(ctx: Ctx, keyword: string, limits: WalkLimits): AsyncGenerator<CrawlPage> {
  const containerid = `100103type=61&q=${keyword}&t=0`
  const referer = `${ctx.baseUrl.replace(/\/+$/, '')}/search?containerid=${encodeURIComponent(`100103type=1&q=${keyword}`)}`
  return walkScope(ctx, `search:${keyword}`, limits, referer, {
    fetch: (after) => getIndex(ctx, { containerid, page_type: 'searchall', page: after ?? '1' }, referer),
    emptyFirstIsError: false,
    next: (answer, after) => {
      const page = Number(after ?? '1')
      const next = nextSearchPage(answer, page)
      return next === undefined ? undefined : String(next)
    },
    reachedOld: (pageIds, watermark) => pageIds.every((id) => compareIds(id, watermark) <= 0),
    timeline: (mblogs) => mblogs,
  })
}
