import { z } from 'zod'
import { defineAdapter } from '../adapter.js'
import { parseFeed } from '../feed.js'

interface FeedCursor {
  etag?: string
  lastModified?: string
  newest?: string | null
}

/** Any RSS or Atom feed: local news sites, government portals. Conditional GET keeps it cheap. */
export const rssAdapter = defineAdapter({
  kind: 'rss',
  summary: 'An RSS or Atom feed (local news sites, government portals)',
  needsUrl: true,
  options: z.object({}).strict(),
  example: {},
  async *crawl(ctx) {
    const url = ctx.source.url ?? ctx.baseUrl
    const cursor = (await ctx.checkpoint<FeedCursor>('feed')) ?? {}
    const headers: Record<string, string> = { accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8' }
    if (cursor.etag) headers['if-none-match'] = cursor.etag
    if (cursor.lastModified) headers['if-modified-since'] = cursor.lastModified
    const res = await ctx.fetcher.get(url, { headers })
    if (res.status === 304) {
      ctx.log('feed not modified since the last run')
      return
    }
    const feed = parseFeed(res.text(), res.url)
    const posts = feed.items.map((item) => ({
      externalId: item.id,
      url: item.link,
      title: item.title,
      body: item.text,
      author: item.author ?? feed.title,
      publishedAt: item.publishedAt,
      meta: { feed: feed.title },
    }))
    const newest = posts.map((p) => p.publishedAt).filter((d): d is string => d !== null).sort().at(-1) ?? cursor.newest ?? null
    yield {
      scope: 'feed',
      posts,
      cursor: {
        ...(typeof res.headers.etag === 'string' ? { etag: res.headers.etag } : {}),
        ...(typeof res.headers['last-modified'] === 'string' ? { lastModified: res.headers['last-modified'] } : {}),
        newest,
      } satisfies FeedCursor,
      raw: [res],
    }
  },
})
