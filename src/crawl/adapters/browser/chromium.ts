import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core'
import { SourceError } from '../../../errors.js'
import { BadResponseError, RetryableFetchError } from '../../errors.js'
import type { Fetcher, FetchRequest, FetchResponse } from '../../fetcher.js'
import { assertComplete } from '../html/parse.js'
import type { LoadedPage } from '../html/walk.js'

/** Where Chromium is when neither the source nor LIANXIN_CHROMIUM says. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium'

/** Offline-friendly flags: no GPU, no sandbox (containers), no background traffic to Google. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Resource types never requested: rendering the list needs markup and scripts only. */
const SKIPPED_TYPES = new Set(['image', 'media', 'font', 'ping', 'manifest', 'texttrack'])
/** Request headers passed on from Chromium; the fetcher sets its own User-Agent and cookies. */
const FORWARDED_REQUEST_HEADERS = ['accept', 'accept-language', 'content-type', 'origin', 'referer', 'x-requested-with']
/** Response headers not handed back: the fetcher already decompressed and kept the cookies. */
const DROPPED_RESPONSE_HEADERS = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'set-cookie', 'keep-alive'])

/** One render: its navigation failures (to rethrow as they were) and the main document's response. */
interface Visit {
  what: string
  failures: Map<string, unknown>
  document: FetchResponse | undefined
}

export interface RendererOptions {
  sourceId: string
  executablePath: string
  /** How long to wait for the `waitFor` selector. */
  waitMs: number
}

/**
 * Renders pages in a headless Chromium (playwright-core, the system binary, a fresh profile),
 * started at the first render and stopped by {@link Renderer.close}. Every request the page makes
 * goes through the source's fetcher, so robots.txt, the per-host queue and interval, retries,
 * cookies and block detection apply to rendered pages exactly as to fetched ones.
 */
export class Renderer {
  private browser: Browser | undefined
  private page: Page | undefined
  /** The render in progress: what the page's requests report to. */
  private visit: Visit | undefined
  private closed = false

  constructor(
    private readonly fetcher: Fetcher,
    private readonly options: RendererOptions,
  ) {}

  /** Loads `url`, lets its scripts run until `waitFor` is there (or the wait ends), returns the DOM as HTML. */
  async render(url: string, waitFor: string, what: 'list page' | 'detail page'): Promise<LoadedPage> {
    const page = await this.start()
    const visit: Visit = { what, failures: new Map(), document: undefined }
    this.visit = visit
    try {
      await page.goto(url, { waitUntil: 'load', timeout: 300_000 })
    } catch (err) {
      const cause = visit.failures.get(url) ?? [...visit.failures.values()][0]
      if (cause !== undefined) throw cause
      throw new RetryableFetchError(`${this.where(url)}: Chromium could not load the page: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, { cause: err })
    }
    await page.waitForSelector(waitFor, { state: 'attached', timeout: this.options.waitMs }).catch(() => undefined)
    const html = await page.content()
    const finalUrl = visit.document?.url ?? page.url()
    return { url: finalUrl, html, raw: rendered(finalUrl, html) }
  }

  /** Stops Chromium (if it was started); safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true
    const browser = this.browser
    this.browser = undefined
    this.page = undefined
    if (browser) await browser.close().catch(() => undefined)
  }

  private async start(): Promise<Page> {
    if (this.closed) throw new SourceError(`${this.options.sourceId}: the browser was already closed`)
    if (this.page && !this.page.isClosed()) return this.page
    const { executablePath } = this.options
    if (!existsSync(executablePath)) {
      throw new SourceError(`${this.options.sourceId}: Chromium is not installed at ${executablePath}`, {
        suggestions: ['Install it (apt-get install chromium), or set options.chromiumPath on the source or LIANXIN_CHROMIUM to the binary.'],
      })
    }
    try {
      this.browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS })
      const context: BrowserContext = await this.browser.newContext({ serviceWorkers: 'block', acceptDownloads: false })
      const page = await context.newPage()
      await page.route('**/*', (route) => this.forward(page, route))
      this.page = page
      return page
    } catch (err) {
      await this.close()
      this.closed = false
      throw new SourceError(`${this.options.sourceId}: Chromium at ${executablePath} did not start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, { cause: err })
    }
  }

  /** Answers one request of the page through the fetcher; failures abort it (and are kept for the navigation). */
  private async forward(page: Page, route: Route): Promise<void> {
    const req = route.request()
    const visit = this.visit
    const target = req.url()
    if (SKIPPED_TYPES.has(req.resourceType()) || !/^https?:/.test(target)) {
      await route.abort('blockedbyclient').catch(() => undefined)
      return
    }
    try {
      const headers: Record<string, string> = {}
      const sent = req.headers()
      for (const name of FORWARDED_REQUEST_HEADERS) {
        const value = sent[name]
        if (value !== undefined) headers[name] = value
      }
      const request: FetchRequest = { method: req.method().toUpperCase() as FetchRequest['method'], headers }
      const body = req.postData()
      if (body !== null) request.body = body
      const res = await this.fetcher.fetch(target, request)
      const main = req.isNavigationRequest() && req.frame() === page.mainFrame()
      if (main) assertComplete(res.text(), `${visit?.what ?? 'page'} ${this.where(res.url)}`)
      await route.fulfill({ status: res.status, headers: responseHeaders(res), body: res.body })
      if (main && visit) visit.document = res
    } catch (err) {
      if (req.isNavigationRequest()) visit?.failures.set(target, err)
      await route.abort('failed').catch(() => undefined)
    }
  }

  private where(url: string): string {
    const u = new URL(url)
    return `${this.options.sourceId}: ${u.pathname}${u.search}`
  }
}

function responseHeaders(res: FetchResponse): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name.toLowerCase())) continue
    headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

/** The rendered DOM as a response, so it is kept (and can be parsed again) like a fetched page. */
function rendered(url: string, html: string): FetchResponse {
  const body = Buffer.from(html, 'utf8')
  return {
    url,
    status: 200,
    contentType: 'text/html; charset=utf-8',
    headers: { 'content-type': 'text/html; charset=utf-8', 'x-lianxin-rendered': 'chromium' },
    body,
    text: () => html,
    json<T>(): T {
      throw new BadResponseError(`${new URL(url).pathname} is a rendered HTML page, not JSON`)
    },
  }
}
