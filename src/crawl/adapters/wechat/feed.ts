/**
 * The feed transport: an RSS/Atom feed of one public account from a bridge (RSSHub, wewe-rss),
 * fetched with a conditional GET; each new or changed entry's article page is opened and stored,
 * a few articles per page, so a crash loses at most one small batch of work.
 */
import { createHash } from 'node:crypto'
import type { AdapterContext, CrawlPage, ParsedPost } from '../../adapter.js'
import { SourceError } from '../../../errors.js'
import { parseFeed, type FeedItem } from '../../feed.js'
import type { FetchResponse } from '../../fetcher.js'
import { fetchArticle, type ArticleHint } from './article.js'
import { articleId, keyOf, permanentUrl } from './url.js'
import type { WechatOptions } from './options.js'

/** Cursor of the `feed` scope. */
export interface FeedCursor {
  etag?: string
  lastModified?: string
  /** Publish time of the newest article stored (ISO). */
  newest: string | null
  /**
   * Entries of the last feed already stored: entry id → [fingerprint of the entry, externalId].
   * Bounded by the feed's length; lets a rerun skip what is stored and re-open an entry the bridge changed.
   */
  seen: Record<string, [string, string]>
}

const SCOPE = 'feed'

function fingerprint(item: FeedItem): string {
  return createHash('sha256').update([item.title, item.link ?? '', item.publishedAt ?? '', item.text].join('\u0000')).digest('hex').slice(0, 12)
}

function entryId(item: FeedItem): string {
  return item.id || item.link || item.title
}

function hintOf(item: FeedItem, knownId: string | undefined): ArticleHint {
  return {
    link: item.link ?? '',
    title: item.title,
    summary: item.text,
    author: item.author,
    publishedAt: item.publishedAt,
    ...(knownId ? { knownId } : {}),
  }
}

/** A post from the feed entry alone (`fetchArticles: false`). */
function entryPost(item: FeedItem, account: string | undefined): ParsedPost {
  const key = item.link ? keyOf(item.link) : null
  return {
    externalId: key ? articleId(key) : `feed:${entryId(item)}`,
    url: key && item.link ? permanentUrl(key, item.link) : item.link,
    title: item.title || '（无标题）',
    body: item.text,
    author: account ?? item.author,
    publishedAt: item.publishedAt,
    meta: key ? { biz: key.biz, mid: key.mid, idx: Number(key.idx) } : {},
  }
}

function latest(a: string | null, b: string | null | undefined): string | null {
  if (!b) return a
  return !a || b > a ? b : a
}

/** Crawls the feed transport (scope `feed`). */
export async function* crawlFeed(ctx: AdapterContext<WechatOptions>): AsyncGenerator<CrawlPage> {
  const url = ctx.source.url
  if (!url) {
    throw new SourceError(`${ctx.source.id}: a wechat source with transport "feed" needs url: the RSS/Atom feed of the account (RSSHub, wewe-rss)`, {
      suggestions: ['Set url, e.g. https://rsshub.example.cn/wechat/mp/…, or use transport: mp with fakeid and token.'],
    })
  }
  const saved = await ctx.checkpoint<FeedCursor>(SCOPE)
  const cursor: FeedCursor = { newest: saved?.newest ?? null, seen: { ...(saved?.seen ?? {}) } }
  const headers: Record<string, string> = { accept: 'application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.8' }
  if (saved?.etag) headers['if-none-match'] = saved.etag
  if (saved?.lastModified) headers['if-modified-since'] = saved.lastModified
  const res = await ctx.fetcher.get(url, { headers })
  if (res.status === 304) {
    ctx.log('feed not modified since the last run')
    return
  }
  const feed = parseFeed(res.text(), res.url)
  const items = feed.items.filter((item) => item.link)
  const account = ctx.options.account ?? (feed.title || undefined)
  const todo = items
    .filter((item) => cursor.seen[entryId(item)]?.[0] !== fingerprint(item))
    .sort((a, b) => (a.publishedAt ?? '').localeCompare(b.publishedAt ?? ''))
  const final = (): FeedCursor => ({
    ...(typeof res.headers.etag === 'string' ? { etag: res.headers.etag } : {}),
    ...(typeof res.headers['last-modified'] === 'string' ? { lastModified: res.headers['last-modified'] } : {}),
    newest: cursor.newest,
    // Only what the current feed still lists: the cursor never grows beyond the feed.
    seen: Object.fromEntries(items.map((item) => [entryId(item), cursor.seen[entryId(item)]]).filter((e): e is [string, [string, string]] => e[1] !== undefined)),
  })
  if (todo.length === 0) {
    yield { scope: SCOPE, posts: [], cursor: final(), raw: [res] }
    return
  }
  const size = ctx.options.fetchArticles ? ctx.options.batchSize : todo.length
  for (let start = 0; start < todo.length; start += size) {
    const batch = todo.slice(start, start + size)
    const posts: ParsedPost[] = []
    const raw: FetchResponse[] = start === 0 ? [res] : []
    for (const item of batch) {
      const known = cursor.seen[entryId(item)]?.[1]
      let post: ParsedPost
      if (ctx.options.fetchArticles) {
        const outcome = await fetchArticle(ctx, hintOf(item, known))
        post = outcome.post
        if (outcome.res) raw.push(outcome.res)
      } else {
        post = entryPost(item, account)
      }
      posts.push(post)
      cursor.seen[entryId(item)] = [fingerprint(item), post.externalId]
      cursor.newest = latest(cursor.newest, post.publishedAt)
    }
    const last = start + size >= todo.length
    yield { scope: SCOPE, posts, cursor: last ? final() : { newest: cursor.newest, seen: { ...cursor.seen } }, raw }
  }
}
