/**
 * Requests to the m.weibo.cn API: `getIndex` with the headers RSSHub sends, the envelope checks
 * (captcha `ok:-100` → block), and the long text of a post (`/statuses/extend`, else the detail
 * page's `$render_data`).
 */
import type { AdapterContext } from '../../adapter.js'
import { BadResponseError, BlockedError } from '../../errors.js'
import type { FetchResponse } from '../../fetcher.js'
import type { Mblog, WeiboCard } from './mblog.js'

/** The `getIndex` envelope. */
export interface IndexBody {
  ok?: number | string
  msg?: string
  url?: string
  data?: {
    cardlistInfo?: { since_id?: number | string | null; page?: number | string | null; total?: number }
    cards?: WeiboCard[]
  }
}

export interface IndexAnswer {
  res: FetchResponse
  body: IndexBody
  ok: number
}

type Ctx = AdapterContext<unknown>

function base(ctx: Ctx): string {
  return ctx.baseUrl.replace(/\/+$/, '')
}

/** Headers of the m.weibo.cn web app (RSSHub lib/routes/weibo). */
export function weiboHeaders(referer: string): Record<string, string> {
  return {
    accept: 'application/json, text/plain, */*',
    'mweibo-pwa': '1',
    'x-requested-with': 'XMLHttpRequest',
    referer,
  }
}

/** Throws the captcha block when the answer says so (JSON `ok:-100`, or a redirect to /captcha). */
function checkCaptcha(ctx: Ctx, res: FetchResponse, body: { ok?: unknown; url?: unknown } | undefined, what: string): void {
  const redirected = /\/captcha\b|\/sorry\b/i.test(new URL(res.url).pathname)
  if (redirected || Number(body?.ok) === -100) {
    const at = typeof body?.url === 'string' ? body.url : res.url
    ctx.fetcher.block(
      new BlockedError(`${ctx.source.id}: ${what} asked for a captcha (ok:-100, ${at}): Weibo is rate-limiting us`, 'weibo-captcha', {
        suggestions: [
          'Solving the captcha in a browser with the same cookie usually restores access; the source is backed off meanwhile.',
          'Lower the schedule frequency or the number of users/keywords of this source.',
        ],
      }),
    )
  }
}

function parseJson<T>(ctx: Ctx, res: FetchResponse, what: string): T {
  checkCaptcha(ctx, res, undefined, what)
  const text = res.text().trim()
  if (!text.startsWith('{')) {
    const login = /passport\.weibo|visitor|login/i.test(res.url)
    throw new BadResponseError(`${ctx.source.id}: ${what} did not answer JSON (${res.status}, ${text.length} bytes${login ? `, redirected to ${res.url}` : ''})`, {
      suggestions: login ? ['Weibo wants a logged-in or visitor cookie: set options.cookie or options.cookieEnv of this source.'] : [],
    })
  }
  return res.json<T>()
}

/** `GET /api/container/getIndex` with the given query; the captcha answer blocks the source. */
export async function getIndex(ctx: Ctx, query: Record<string, string>, referer: string): Promise<IndexAnswer> {
  const url = new URL(`${base(ctx)}/api/container/getIndex`)
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value)
  const what = `/api/container/getIndex?containerid=${query.containerid ?? ''}`
  const res = await ctx.fetcher.get(url, { headers: weiboHeaders(referer) })
  const body = parseJson<IndexBody>(ctx, res, what)
  checkCaptcha(ctx, res, body, what)
  return { res, body, ok: Number(body.ok ?? 0) }
}

/**
 * The `since_id` of the next timeline page, as a decimal string. Read from the raw text when the
 * parsed number is beyond 2^53 (JSON.parse would have rounded it).
 */
export function nextSinceId(answer: IndexAnswer): string | undefined {
  const value = answer.body.data?.cardlistInfo?.since_id
  if (value === undefined || value === null || value === '' || value === 0 || value === '0') return undefined
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    return /"since_id"\s*:\s*"?(\d+)/.exec(answer.res.text())?.[1]
  }
  return String(value)
}

/** The next search page number, or undefined when the answer says there is none. */
export function nextSearchPage(answer: IndexAnswer, page: number): number | undefined {
  const info = answer.body.data?.cardlistInfo
  if (info && 'page' in info) {
    const next = Number(info.page)
    return info.page === null || !Number.isFinite(next) || next <= page ? undefined : next
  }
  return page + 1
}

/**
 * The full HTML of a long post: `/statuses/extend?id=` first, then the detail page's
 * `$render_data`. Returns undefined (the list's truncated text is kept) when both fail for
 * reasons other than a block.
 */
export async function fetchLongText(ctx: Ctx, id: string, referer: string): Promise<{ html: string; res: FetchResponse } | undefined> {
  try {
    const res = await ctx.fetcher.get(`${base(ctx)}/statuses/extend?id=${encodeURIComponent(id)}`, { headers: weiboHeaders(referer) })
    const body = parseJson<{ ok?: number; url?: string; data?: { longTextContent?: string } }>(ctx, res, `/statuses/extend?id=${id}`)
    checkCaptcha(ctx, res, body, `/statuses/extend?id=${id}`)
    if (Number(body.ok) === 1 && typeof body.data?.longTextContent === 'string') return { html: body.data.longTextContent, res }
    ctx.log(`/statuses/extend?id=${id} answered ok:${String(body.ok)}; trying the detail page`)
  } catch (err) {
    if (err instanceof BlockedError || !(err instanceof BadResponseError)) throw err
    ctx.log(`${err.message}; trying the detail page`)
  }
  try {
    const res = await ctx.fetcher.get(`${base(ctx)}/detail/${encodeURIComponent(id)}`, { headers: { referer } })
    checkCaptcha(ctx, res, undefined, `/detail/${id}`)
    const status = renderDataStatus(res.text())
    const html = status?.longText?.longTextContent ?? status?.text
    if (typeof html === 'string') return { html, res }
    ctx.log(`${ctx.source.id}: /detail/${id} has no $render_data; keeping the truncated text`)
  } catch (err) {
    if (err instanceof BlockedError || !(err instanceof BadResponseError)) throw err
    ctx.log(`${err.message}; keeping the truncated text`)
  }
  return undefined
}

/** The `status` of the detail page's `var $render_data = [...][0] || {}`. */
export function renderDataStatus(html: string): Mblog | undefined {
  const m = /\$render_data\s*=\s*(\[[\s\S]*?\])\s*\[0\]/.exec(html)
  if (!m?.[1]) return undefined
  try {
    const data = JSON.parse(m[1]) as Array<{ status?: Mblog }>
    return data[0]?.status
  } catch {
    return undefined
  }
}
