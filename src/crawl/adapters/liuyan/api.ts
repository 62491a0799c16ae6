/**
 * Transport to the board's signed JSON API (`/v1/…`, `/v2/…`), plus what every transport shares:
 * the warm-up request that obtains the WAF cookie and the appCode, and JSON POSTs that survive the
 * WAF's empty answers.
 */
import { BadResponseError, BlockedError, RetryableFetchError } from '../../errors.js'
import type { Fetcher, FetchRequest, FetchResponse } from '../../fetcher.js'
import { parseDetail, str, type RawThread, type ThreadDetail } from './parse.js'
import { signedBody } from './sign.js'

/** What the liuyan transports need from the crawl context. */
export interface LiuyanContext {
  sourceId: string
  /** The site's base URL, without a trailing slash. */
  baseUrl: string
  fetcher: Fetcher
  log(message: string): void
}

/** A parsed JSON object and the response it came from. */
export interface JsonAnswer {
  body: Record<string, unknown>
  res: FetchResponse
}

/** One page of a thread list, newest first. */
export interface ListPage {
  items: RawThread[]
  res: FetchResponse
}

/** How often an empty 200 answer (the WAF's throttling) is asked again before giving up. */
const EMPTY_RETRIES = 2

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** POSTs and reads a JSON object; empty bodies are asked again (through the host queue, no extra sleep). */
export async function postJson(ctx: LiuyanContext, path: string, request: Omit<FetchRequest, 'method'>, query = ''): Promise<JsonAnswer> {
  for (let attempt = 0; ; attempt++) {
    const res = await ctx.fetcher.post(`${ctx.baseUrl}${path}${query}`, request)
    if (res.body.toString('utf8').trim() !== '') return { body: readObject(ctx, path, res), res }
    if (attempt >= EMPTY_RETRIES) {
      throw new RetryableFetchError(`${ctx.sourceId}: ${path} answered an empty body ${attempt + 1} times (the site's WAF throttling); try again later`)
    }
    ctx.log(`${path} answered an empty body; asking again`)
  }
}

function readObject(ctx: LiuyanContext, path: string, res: FetchResponse): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(res.text())
  } catch (err) {
    throw new BadResponseError(`${ctx.sourceId}: ${path} did not answer JSON (HTTP ${res.status}, ${res.contentType ?? 'no content type'}, ${res.body.length} bytes)`, { cause: err })
  }
  if (!isObject(value)) throw new BadResponseError(`${ctx.sourceId}: ${path} answered JSON that is not an object`)
  return value
}

/** `window.SITE_CONFIG.appCode` as inlined in the site's pages, if present. */
export function extractAppCode(html: string): string | null {
  const m = /SITE_CONFIG[\s\S]{0,600}?appCode['"]?\s*\]?\s*[:=]\s*['"]([A-Za-z0-9_-]{4,64})['"]/.exec(html)
  return m?.[1] ?? null
}

/**
 * The warm-up request: `GET /messageSearch`, as a browser would open the site first. It obtains the
 * WAF cookie (`__jsluid_s`, kept in the source's cookie jar) and the inlined appCode.
 */
export async function warmUp(ctx: LiuyanContext): Promise<string | null> {
  let res: FetchResponse
  try {
    res = await ctx.fetcher.get(`${ctx.baseUrl}/messageSearch`, { headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' } })
  } catch (err) {
    if (!(err instanceof BadResponseError)) throw err
    ctx.log(`warm-up /messageSearch failed (${err.message}); going on without it`)
    return null
  }
  return extractAppCode(res.text())
}

/** The signed JSON API. Every call is signed with the anonymous key; SN0006 blocks the source. */
export class SignedApi {
  constructor(
    private readonly ctx: LiuyanContext,
    readonly appCode: string,
  ) {}

  /** One signed call; answers SN0006 become a block of the source. */
  async call(path: string, param: Record<string, unknown>, options: { query?: string; referer?: string } = {}): Promise<JsonAnswer> {
    const { ctx } = this
    const answer = await postJson(
      ctx,
      path,
      {
        headers: {
          accept: 'application/json, text/plain, */*',
          origin: new URL(ctx.baseUrl).origin,
          referer: options.referer ?? `${ctx.baseUrl}/messageSearch`,
          token: '',
        },
        json: signedBody(path, param, this.appCode),
      },
      options.query,
    )
    if (str(answer.body.code) === 'SN0006') {
      ctx.fetcher.block(
        new BlockedError(`${ctx.sourceId}: ${path} answered SN0006 (${str(answer.body.msg) ?? '数据格式错误'}): the board refused our request signature`, 'sn0006', {
          suggestions: [
            'If options.appCode is set, remove it so lianxin reads the current one from /messageSearch.',
            'Otherwise the site may have changed its signing: check sources.md §1.3 against the live site before resuming.',
          ],
        }),
      )
    }
    return answer
  }

  /** `resultData` of an answer, or a BadResponseError naming the path and the site's code/message. */
  private resultData(path: string, answer: JsonAnswer): Record<string, unknown> {
    const data = answer.body.resultData
    if (isObject(data)) return data
    throw this.unusable(path, answer)
  }

  private unusable(path: string, answer: JsonAnswer): BadResponseError {
    const code = str(answer.body.code) ?? str(answer.body.result) ?? '?'
    return new BadResponseError(`${this.ctx.sourceId}: ${path} answered without resultData (code ${code}: ${str(answer.body.msg) ?? str(answer.body.resultDesc) ?? 'no message'})`)
  }

  /** One page of a local board (`/v1/threads/list/df`), threads older than `after` (a tid). */
  async list(fid: number, after: number | null, rows: number): Promise<ListPage> {
    const path = '/v1/threads/list/df'
    const param = { fid: String(fid), showUnAnswer: 1, typeId: 5, lastItem: after === null ? '' : String(after), position: 0, rows, orderType: 2 }
    const answer = await this.call(path, param, { referer: `${this.ctx.baseUrl}/threads/list?fid=${fid}` })
    const data = this.resultData(path, answer).data
    if (!Array.isArray(data)) throw new BadResponseError(`${this.ctx.sourceId}: ${path} answered without a resultData.data list`)
    return { items: data.filter(isObject), res: answer.res }
  }

  /** A thread's full text, reply and header; `detail` is null when the site says it does not exist (any more). */
  async content(tid: number): Promise<{ detail: ThreadDetail | null; res: FetchResponse }> {
    const path = '/v1/threads/content'
    const answer = await this.call(path, { tid: String(tid), fromTrash: 0 }, { referer: `${this.ctx.baseUrl}/threads/content?tid=${tid}` })
    const data = answer.body.resultData
    if (isObject(data)) return { detail: parseDetail(data), res: answer.res }
    const code = str(answer.body.code)
    if ((data === null || data === undefined) && code !== null && code !== '0') return { detail: null, res: answer.res }
    throw this.unusable(path, answer)
  }

  /** `resultData` of a forum API (`/v1/forum/getTopForums`, `/v1/forum/getChildForums`). */
  async forums(path: string, param: Record<string, unknown>): Promise<{ data: Record<string, unknown>; res: FetchResponse }> {
    const answer = await this.call(path, param)
    return { data: this.resultData(path, answer), res: answer.res }
  }

  /** Full-text search (`/v2/threads/search`), newest first; used to find a board by its name. */
  async search(keywords: string, rows = 10): Promise<RawThread[]> {
    const path = '/v2/threads/search'
    const param = { position: 0, keywords, fid: null, domainId: null, typeId: null, timeRange: null, ansChecked: false, stTime: null, sortType: '0', page: 1, rows }
    const answer = await this.call(path, param, { query: '?sortType=0' })
    const data = answer.body.data
    const items = isObject(data) ? data.data : undefined
    if (!Array.isArray(items)) throw new BadResponseError(`${this.ctx.sourceId}: ${path} answered without data.data (code ${str(answer.body.code) ?? '?'})`)
    return items.filter(isObject)
  }
}
