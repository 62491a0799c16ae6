import { defineAdapter } from '../../adapter.js'
import { fetchLoader } from '../html/index.js'
import { browserOptionsSchema, exampleDescription } from '../html/selectors.js'
import { walkList, type PageLoader } from '../html/walk.js'
import { DEFAULT_CHROMIUM, Renderer } from './chromium.js'

/**
 * Sites whose list pages only fill in with JavaScript: the same selector description as `html`,
 * but list pages (and, with `renderDetail`, detail pages) are rendered in the system Chromium
 * first. Chromium starts at the first page that needs it and is always stopped when the crawl
 * ends, fails or is abandoned.
 */
export const browserAdapter = defineAdapter({
  kind: 'browser',
  summary: 'Pages that only render with JavaScript, rendered in the system Chromium, then read with the html selectors',
  needsUrl: true,
  options: browserOptionsSchema,
  example: { ...exampleDescription, waitFor: 'ul.list > li', renderDetail: false },
  async *crawl(ctx) {
    const o = ctx.options
    const renderer = new Renderer(ctx.fetcher, {
      sourceId: ctx.source.id,
      executablePath: o.chromiumPath ?? process.env.LIANXIN_CHROMIUM ?? DEFAULT_CHROMIUM,
      waitMs: o.renderTimeoutMs,
    })
    const plain = fetchLoader(ctx.fetcher)
    const loader: PageLoader = {
      list: (url) => renderer.render(url, o.waitFor ?? o.list.item, 'list page'),
      detail: (url) => (o.renderDetail && o.detail ? renderer.render(url, o.detail.body, 'detail page') : plain.detail(url)),
    }
    try {
      yield* walkList(ctx, loader)
    } finally {
      await renderer.close()
    }
  },
})
