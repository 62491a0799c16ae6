/**
 * WeChat article pages: fetch one (following redirects of temporary links), tell an article from a
 * deleted one, an error message page or the anti-bot "环境异常" page, and parse its fields.
 */
import * as cheerio from 'cheerio'
import type { AdapterContext, ParsedPost } from '../../adapter.js'
import { BadResponseError, BlockedError } from '../../errors.js'
import type { FetchResponse } from '../../fetcher.js'
import { htmlToText } from '../../html-text.js'
import { articleId, decodeEntities, keyOf, linkForm, permanentUrl, type ArticleKey } from './url.js'

/** What the adapter knew about an article before opening it (feed entry or back-office item). */
export interface ArticleHint {
  link: string
  title: string
  summary: string
  author: string | null
  publishedAt: string | null
  /** The externalId it was stored under before, if any (for deleted short links). */
  knownId?: string
}

/** The fields of a parsed article page. */
export interface ArticlePage {
  key: ArticleKey | null
  title: string
  description: string
  writer: string
  account: string
  publishedAt: string | null
  body: string
  images: string[]
  itemShowType: number | null
  region: string
  sourceUrl: string
}

const DELETED = /该内容已被发布者删除|已被发布者删除|此内容已被发布者删除/
const WAF = /环境异常|完成验证后即可继续访问/

function scriptVar(html: string, name: string): string | null {
  const m = new RegExp(`(?:var\\s+|window\\.)?\\b${name}\\s*[=:]\\s*(?:"([^"]*)"|'([^']*)')`).exec(html)
  const value = m?.[1] ?? m?.[2]
  return value === undefined ? null : decodeEntities(value)
}

/** The permanent key named by the page: its final URL, `msg_link`, `og:url`, or the `biz/mid/idx/sn` variables. */
function pageKey($: cheerio.CheerioAPI, html: string, finalUrl: string): ArticleKey | null {
  for (const candidate of [finalUrl, scriptVar(html, 'msg_link'), $('meta[property="og:url"]').attr('content')]) {
    const key = candidate ? keyOf(decodeEntities(candidate)) : null
    if (key) return key
  }
  const [biz, mid, idx, sn] = ['biz', 'mid', 'idx', 'sn'].map((n) => scriptVar(html, n))
  return biz && mid && /^\d+$/.test(mid) && sn ? { biz, mid, idx: idx && /^\d+$/.test(idx) ? idx : '1', sn } : null
}

/** Parses an article page. */
export function parseArticle(html: string, finalUrl: string): ArticlePage {
  const $ = cheerio.load(html)
  const content = $('#js_content')
  const images = content
    .find('img')
    .toArray()
    .map((el) => $(el).attr('data-src') ?? $(el).attr('src') ?? '')
    .filter((src) => src !== '' && !src.startsWith('data:'))
  const pictures = /picture_page_info_list\s*=\s*(\[[\s\S]*?\]);/.exec(html)?.[1] ?? ''
  for (const m of pictures.matchAll(/cdn_url["']?\s*:\s*["']([^"']+)["']/g)) if (m[1] && !images.includes(m[1])) images.push(decodeEntities(m[1]))
  const ct = scriptVar(html, 'ct')
  const showType = scriptVar(html, 'item_show_type')
  return {
    key: pageKey($, html, finalUrl),
    title: ($('meta[property="og:title"]').attr('content') ?? scriptVar(html, 'msg_title') ?? $('#activity-name').text()).trim(),
    description: ($('meta[name="description"]').attr('content') ?? '').trim(),
    writer: ($('meta[name="author"]').attr('content') ?? '').trim(),
    account: ($('.wx_follow_nickname').first().text() || $('#js_name').first().text() || scriptVar(html, 'nickname') || '').trim(),
    publishedAt: ct && /^\d+$/.test(ct) ? new Date(Number(ct) * 1000).toISOString() : null,
    body: content.length > 0 ? htmlToText(content.html() ?? '') : '',
    images,
    itemShowType: showType && /^\d+$/.test(showType) ? Number(showType) : null,
    region: (scriptVar(html, 'provinceName') ?? '').trim(),
    sourceUrl: (scriptVar(html, 'msg_source_url') ?? '').trim(),
  }
}

/** The outcome of opening an article link. */
export type ArticleOutcome =
  | { state: 'article'; post: ParsedPost; res: FetchResponse }
  | { state: 'deleted' | 'unavailable'; post: ParsedPost; res: FetchResponse | null; message: string }

/** A stand-in post when the page cannot give one: the hint's fields, marked with why. */
export function fallbackPost(hint: ArticleHint, key: ArticleKey | null, meta: Record<string, unknown>, account: string | undefined): ParsedPost {
  const short = /\/s\/([A-Za-z0-9_-]+)/.exec(hint.link)?.[1]
  const externalId = key ? articleId(key) : hint.knownId ?? (short ? `short:${short}` : `link:${hint.link}`)
  return {
    externalId,
    url: key ? permanentUrl(key, hint.link) : hint.link,
    title: hint.title || '（无标题）',
    body: hint.summary,
    author: account ?? hint.author,
    publishedAt: hint.publishedAt,
    meta: { ...(key ? { biz: key.biz, mid: key.mid, idx: Number(key.idx) } : {}), ...meta },
  }
}

/**
 * Opens an article link and returns its post. Deleted articles and message pages ("参数错误",
 * "链接已过期") give a stand-in post from the hint (`meta.deleted` / `meta.unavailable`); the
 * "环境异常" verification page blocks the source (`wechat-captcha`).
 */
export async function fetchArticle(ctx: AdapterContext<{ account?: string | undefined }>, hint: ArticleHint): Promise<ArticleOutcome> {
  const account = ctx.options.account
  let res: FetchResponse
  try {
    res = await ctx.fetcher.get(hint.link, { headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' } })
  } catch (err) {
    if (!(err instanceof BadResponseError)) throw err
    const message = err.message
    ctx.log(`article ${hint.link}: ${message}`)
    return { state: 'unavailable', post: fallbackPost(hint, keyOf(hint.link), { unavailable: message }, account), res: null, message }
  }
  const html = res.text()
  const path = new URL(res.url).pathname
  const $ = cheerio.load(html)
  const visible = $('body').text()
  if (/captcha/i.test(path) || WAF.test(visible)) {
    ctx.fetcher.block(
      new BlockedError(`${ctx.source.id}: ${path} answered the WeChat verification page (环境异常): WeChat wants a captcha`, 'wechat-captcha', {
        suggestions: ['WeChat is rate-limiting this address; the source is backed off. Lower the schedule frequency or fetchArticles.'],
      }),
    )
  }
  const page = parseArticle(html, res.url)
  const key = page.key ?? keyOf(res.url) ?? keyOf(hint.link)
  if (DELETED.test(visible) && $('#js_content').length === 0) {
    const message = DELETED.exec(visible)?.[0] ?? '已被发布者删除'
    return { state: 'deleted', post: fallbackPost(hint, key, { deleted: true, notice: message }, account), res, message }
  }
  if ($('#js_content').length === 0 && !page.title) {
    const message = ($('.weui-msg__title').first().text() || $('title').text() || `HTTP ${res.status}`).trim()
    ctx.log(`article ${hint.link} (${linkForm(hint.link)} link) is unavailable: ${message}`)
    return { state: 'unavailable', post: fallbackPost(hint, key, { unavailable: message }, account), res, message }
  }
  if (!key) throw new BadResponseError(`${ctx.source.id}: ${path} is an article page without a permanent link (no msg_link, og:url or biz/mid/sn)`)
  const meta: Record<string, unknown> = { biz: key.biz, mid: key.mid, idx: Number(key.idx) }
  if (page.account) meta.account = page.account
  if (page.writer) meta.writer = page.writer
  if (page.description) meta.digest = page.description
  if (page.images.length > 0) meta.images = page.images
  if (page.itemShowType !== null) meta.itemShowType = page.itemShowType
  if (page.region) meta.region = page.region
  if (page.sourceUrl) meta.sourceUrl = page.sourceUrl
  const post: ParsedPost = {
    externalId: articleId(key),
    url: permanentUrl(key, res.url),
    title: page.title || hint.title || '（无标题）',
    body: page.body || page.description || hint.summary,
    author: page.account || account || page.writer || hint.author,
    publishedAt: page.publishedAt ?? hint.publishedAt,
    meta,
  }
  return { state: 'article', post, res }
}
