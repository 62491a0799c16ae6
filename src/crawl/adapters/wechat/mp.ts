/**
 * The `mp` transport: the 公众平台 back-office list of an account's mass sends
 * (`/cgi-bin/appmsgpublish?sub=list`, newest first, 5 sends per page), as used by we-mp-rss. It needs
 * the token and cookie of a logged-in session. `publish_page` is a JSON string whose
 * `publish_list[].publish_info` are JSON strings again, each with `appmsgex[]` articles.
 */
import type { AdapterContext, CrawlPage, ParsedPost } from '../../adapter.js'
import { SourceError } from '../../../errors.js'
import { BadResponseError, BlockedError } from '../../errors.js'
import type { FetchResponse } from '../../fetcher.js'
import { fallbackPost, fetchArticle, type ArticleHint } from './article.js'
import type { WechatOptions } from './options.js'
import { articleId, keyOf, permanentUrl } from './url.js'

/** Cursor of an `mp:<fakeid>` scope: watermark = newest create/update time stored by a complete walk (Unix s). */
export interface MpCursor {
  watermark: number | null
  /** A walk in progress: highest time seen, the `begin` of the list page being stored, and its articles already stored. */
  walk?: { high: number; begin: number; done: string[] }
}

/** One article of `appmsgex[]`. */
interface AppMsg {
  aid?: string
  appmsgid?: number | string
  itemidx?: number | string
  title?: string
  link?: string
  digest?: string
  author_name?: string
  create_time?: number
  update_time?: number
  is_deleted?: boolean | number
}

const PAGE = 5

type Ctx = AdapterContext<WechatOptions>

function secret(ctx: Ctx, env: string | undefined, what: string): string | undefined {
  if (!env) return undefined
  const value = process.env[env]
  if (!value) throw new SourceError(`${ctx.source.id}: the environment variable ${env} (options.${what}) is not set or empty`, { suggestions: [`Export ${env} from a logged-in 公众平台 session (mp.weixin.qq.com).`] })
  return value
}

function parseJsonString<T>(ctx: Ctx, text: unknown, what: string): T {
  try {
    if (typeof text !== 'string') throw new TypeError(`expected a JSON string, got ${typeof text}`)
    return JSON.parse(text) as T
  } catch (err) {
    throw new BadResponseError(`${ctx.source.id}: /cgi-bin/appmsgpublish: ${what} is not valid JSON`, { cause: err })
  }
}

/** Fetches one list page; block signals 200013 (frequency control) and 200003 (invalid session) block the source. */
async function listPage(ctx: Ctx, token: string, begin: number): Promise<{ res: FetchResponse; total: number; sends: number; articles: AppMsg[] }> {
  const base = ctx.baseUrl.replace(/\/+$/, '')
  const query = new URLSearchParams({ sub: 'list', sub_action: 'list_ex', begin: String(begin), count: String(PAGE), fakeid: ctx.options.fakeid ?? '', token, lang: 'zh_CN', f: 'json', ajax: '1' })
  const res = await ctx.fetcher.get(`${base}/cgi-bin/appmsgpublish?${query}`, {
    headers: { accept: 'application/json, text/javascript, */*; q=0.01', 'x-requested-with': 'XMLHttpRequest', referer: `${base}/cgi-bin/appmsg?t=media/appmsg_edit&action=edit&type=10&token=${token}&lang=zh_CN` },
  })
  const body = res.json<{ base_resp?: { ret?: number | string; err_msg?: string }; publish_page?: unknown }>()
  const ret = Number(body.base_resp?.ret ?? -1)
  const where = `${ctx.source.id}: /cgi-bin/appmsgpublish (begin=${begin})`
  if (ret === 200013) {
    ctx.fetcher.block(new BlockedError(`${where} answered ret 200013 (frequency control)`, 'wechat-200013', { suggestions: ['The back office limits list requests per session; lower the schedule frequency or maxPagesPerScope.'] }))
  }
  if (ret === 200003) {
    ctx.fetcher.block(new BlockedError(`${where} answered ret 200003 (invalid session)`, 'wechat-200003', { suggestions: ['Log in to mp.weixin.qq.com again and update the token and cookie (tokenEnv, cookieEnv).'] }))
  }
  if (ret !== 0) throw new BadResponseError(`${where} answered ret ${ret}${body.base_resp?.err_msg ? ` (${body.base_resp.err_msg})` : ''}`, { suggestions: ['Check fakeid (the __biz of the account).'] })
  const page = parseJsonString<{ total_count?: number; publish_list?: Array<{ publish_info?: unknown }> }>(ctx, body.publish_page, 'publish_page')
  const sends = page.publish_list ?? []
  const articles = sends.flatMap((send) => parseJsonString<{ appmsgex?: AppMsg[] }>(ctx, send.publish_info, 'publish_info').appmsgex ?? [])
  return { res, total: Number(page.total_count ?? 0), sends: sends.length, articles }
}

function aidOf(a: AppMsg): string {
  return a.aid ?? `${String(a.appmsgid ?? '')}_${String(a.itemidx ?? '')}`
}

function timeOf(a: AppMsg): number {
  return Math.max(Number(a.create_time ?? 0), Number(a.update_time ?? 0))
}

function hintOf(a: AppMsg): ArticleHint {
  return {
    link: a.link ?? '',
    title: a.title ?? '',
    summary: a.digest ?? '',
    author: a.author_name || null,
    publishedAt: a.create_time ? new Date(a.create_time * 1000).toISOString() : null,
  }
}

async function postOf(ctx: Ctx, a: AppMsg, raw: FetchResponse[]): Promise<ParsedPost> {
  const hint = hintOf(a)
  const key = keyOf(hint.link)
  if (a.is_deleted) return fallbackPost(hint, key, { deleted: true, notice: '该内容已被发布者删除' }, ctx.options.account)
  if (!ctx.options.fetchArticles) {
    if (!key) throw new BadResponseError(`${ctx.source.id}: /cgi-bin/appmsgpublish lists ${hint.link} without a permanent link`)
    return { externalId: articleId(key), url: permanentUrl(key, hint.link), title: hint.title, body: hint.summary, author: ctx.options.account ?? hint.author, publishedAt: hint.publishedAt, meta: { biz: key.biz, mid: key.mid, idx: Number(key.idx) } }
  }
  const outcome = await fetchArticle(ctx, hint)
  if (outcome.res) raw.push(outcome.res)
  return outcome.post
}

/** Crawls the back-office transport (scope `mp:<fakeid>`), newest first, with a crash-safe walk. */
export async function* crawlMp(ctx: Ctx): AsyncGenerator<CrawlPage> {
  const token = ctx.options.token ?? secret(ctx, ctx.options.tokenEnv, 'tokenEnv') ?? ''
  const cookie = secret(ctx, ctx.options.cookieEnv, 'cookieEnv')
  for (const pair of (cookie ?? '').split(';')) {
    const at = pair.indexOf('=')
    if (at > 0) await ctx.fetcher.cookies.setCookie(`${pair.slice(0, at).trim()}=${pair.slice(at + 1).trim()}`, ctx.baseUrl)
  }
  const scope = `mp:${ctx.options.fakeid ?? ''}`
  const saved = (await ctx.checkpoint<MpCursor>(scope)) ?? { watermark: null }
  const runPages = ctx.maxPages ?? Number.POSITIVE_INFINITY
  const scopePages = ctx.options.maxPagesPerScope
  const limit = Math.min(runPages, scopePages)
  let watermark = saved.watermark ?? null
  let walk = saved.walk
  let pages = 0
  for (;;) {
    const resumed = walk !== undefined
    const firstWalk = watermark === null
    let high = walk?.high ?? null
    let begin = walk?.begin ?? 0
    let done = new Set(walk?.done ?? [])
    let finished = false
    while (pages < limit) {
      const list = await listPage(ctx, token, begin)
      pages++
      for (const a of list.articles) high = Math.max(high ?? 0, timeOf(a))
      const reached = watermark !== null && list.articles.some((a) => Number(a.create_time ?? 0) <= (watermark ?? 0))
      const atEnd = list.sends === 0 || begin + list.sends >= list.total
      const cappedFirst = firstWalk && pages >= scopePages && scopePages <= runPages
      finished = reached || atEnd || cappedFirst
      const todo = list.articles.filter((a) => (watermark === null || timeOf(a) > watermark) && !done.has(aidOf(a)))
      const size = ctx.options.batchSize
      for (let start = 0; start === 0 || start < todo.length; start += size) {
        const batch = todo.slice(start, start + size)
        const raw: FetchResponse[] = start === 0 ? [list.res] : []
        const posts: ParsedPost[] = []
        for (const a of batch) posts.push(await postOf(ctx, a, raw))
        for (const a of batch) done.add(aidOf(a))
        const last = start + size >= todo.length
        const cursor: MpCursor = !last
          ? { watermark, walk: { high: high ?? watermark ?? 0, begin, done: [...done] } }
          : finished
            ? { watermark: high === null ? watermark : Math.max(high, watermark ?? 0) }
            : { watermark, walk: { high: high ?? watermark ?? 0, begin: begin + list.sends, done: [] } }
        yield { scope, posts, cursor, raw }
      }
      if (finished) break
      begin += list.sends
      done = new Set()
    }
    if (!finished) return
    watermark = high === null ? watermark : Math.max(high, watermark ?? 0)
    walk = undefined
    if (!resumed || pages >= limit) return
  }
}
