import { defineAdapter } from '../../adapter.js'
import { exampleDescription, htmlOptionsSchema } from './selectors.js'
import { walkList, type LoadedPage, type PageLoader } from './walk.js'
import type { Fetcher } from '../../fetcher.js'

/** Pages fetched as they are, through the source's fetcher (charset decoded from header or meta). */
export function fetchLoader(fetcher: Fetcher): PageLoader {
  const load = async (url: string): Promise<LoadedPage> => {
    const res = await fetcher.get(url, { headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' } })
    return { url: res.url, html: res.text(), raw: res }
  }
  return { list: load, detail: load }
}

/**
 * Any site with list pages and detail pages in plain HTML (government portals, local news),
 * described by CSS selectors; pagination, relative links and GBK/GB18030 pages included.
 */
export const htmlAdapter = defineAdapter({
  kind: 'html',
  summary: 'List and detail pages of a plain HTML site, described by CSS selectors (government portals, local news)',
  needsUrl: true,
  options: htmlOptionsSchema,
  example: exampleDescription,
  crawl(ctx) {
    return walkList(ctx, fetchLoader(ctx.fetcher))
  },
})
