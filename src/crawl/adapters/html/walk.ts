import type { AdapterContext, CrawlPage, ParsedPost } from '../../adapter.js'
import { BadResponseError, RobotsDisallowedError } from '../../errors.js'
import type { FetchResponse } from '../../fetcher.js'
import { SourceError } from '../../../errors.js'
import { WalkState } from './cursor.js'
import { assertComplete, parseDetail, parseList, postFromItem, type ListItem } from './parse.js'
import type { PageDescription } from './selectors.js'

/** The scope of the list cursor. */
export const LIST_SCOPE = 'list'

/** A page as a loader got it: fetched (html) or rendered (browser). */
export interface LoadedPage {
  /** The final URL, after redirects. */
  url: string
  html: string
  /** What is kept for re-parsing. */
  raw: FetchResponse
}

/** How a kind gets its pages; the walk is the same for all. */
export interface PageLoader {
  list(url: string): Promise<LoadedPage>
  detail(url: string): Promise<LoadedPage>
}

/** `source-id: /path?query` for messages. */
export function where(ctx: AdapterContext<unknown>, url: string): string {
  const u = new URL(url)
  return `${ctx.source.id}: ${u.pathname}${u.search}`
}

/**
 * Walks the list pages from the source's `url` along the `next` links, fetches each new detail
 * page and yields one CrawlPage per list page (its posts and the list cursor, committed together).
 * See ./cursor.ts for when a walk stops and how an interrupted one is resumed.
 */
export async function* walkList(ctx: AdapterContext<PageDescription>, loader: PageLoader): AsyncGenerator<CrawlPage> {
  const desc = ctx.options
  const start = ctx.source.url ?? ctx.baseUrl
  if (!start) throw new SourceError(`${ctx.source.id}: no url: set url to the first list page in lianxin.yaml`)
  const state = WalkState.from(await ctx.checkpoint(LIST_SCOPE))
  const now = ctx.now()
  const visited = new Set<string>()
  let url: string | null = start
  let backfill = false
  const skippedNow = new Set<string>()
  let pages = 0
  while (url !== null) {
    visited.add(url)
    if (url === state.resume) backfill = true
    const page = await loader.list(url)
    pages++
    assertComplete(page.html, `list page ${where(ctx, page.url)}`)
    const { items, next } = parseList(page.html, page.url, desc, now)
    if (items.length === 0 && pages === 1) {
      throw new BadResponseError(`${where(ctx, page.url)}: no list items match "${desc.list.item}" with a link "${desc.list.link}" (options.list)`, {
        suggestions: ['Check the selectors against the page; if the page fills its list with JavaScript, use kind: browser.'],
      })
    }
    const fullyKnown = items.every((i) => state.isKnown(i.id))
    const touchesSettled = items.some((i) => state.isSettled(i.id))
    const recheck = new Set(pages === 1 ? items.filter((i) => state.isStored(i.id)).slice(0, desc.recheck).map((i) => i.id) : [])

    const posts: ParsedPost[] = []
    const raw: FetchResponse[] = [page.raw]
    for (const item of items) {
      if ((state.isStored(item.id) && !recheck.has(item.id)) || skippedNow.has(item.id)) continue
      const got = await fetchItem(ctx, loader, item, now)
      if ('skipped' in got) {
        state.skip(item.id, got.skipped)
        skippedNow.add(item.id)
        continue
      }
      posts.push(got.post)
      if (got.raw) raw.push(got.raw)
      state.stored(item.id, got.post.publishedAt ?? null)
    }

    let target: string | null = next !== null && !visited.has(next) ? next : null
    let done = target === null || items.length === 0
    if (!done && fullyKnown) {
      // Nothing new here: older pages are known too, unless an unfinished walk left a gap.
      if (!backfill && state.resume !== null) target = state.resume
      else if (!backfill || touchesSettled) done = true
    }
    if (!done && desc.maxPages !== undefined && pages >= desc.maxPages) done = true
    const resume = backfill || state.resume === null ? page.url : state.resume
    yield { scope: LIST_SCOPE, posts, cursor: state.cursor(done, resume), ...(posts.length > 0 ? { raw } : {}) }
    if (done || (ctx.maxPages !== undefined && pages >= ctx.maxPages)) return
    url = target
  }
}

type Fetched = { post: ParsedPost; raw?: FetchResponse } | { skipped: string }

/** The item's post; robots.txt refusals and vanished pages are noted and skipped, not fatal. */
async function fetchItem(ctx: AdapterContext<PageDescription>, loader: PageLoader, item: ListItem, now: Date): Promise<Fetched> {
  if (!ctx.options.detail) return { post: postFromItem(item) }
  try {
    const page = await loader.detail(item.href)
    const at = `detail page ${where(ctx, page.url)}`
    assertComplete(page.html, at)
    return { post: parseDetail(page.html, page.url, ctx.options, item, at, now), raw: page.raw }
  } catch (err) {
    if (err instanceof RobotsDisallowedError) {
      ctx.log(`skipped ${item.href}: robots.txt disallows it`)
      return { skipped: 'robots' }
    }
    if (err instanceof BadResponseError && (err.status === 404 || err.status === 410)) {
      ctx.log(`skipped ${item.href}: the page is gone (${err.message})`)
      return { skipped: 'gone' }
    }
    throw err
  }
}
