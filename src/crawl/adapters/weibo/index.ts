import { z } from 'zod'
import { SourceError, describeError } from '../../../errors.js'
import { defineAdapter, type AdapterContext, type CrawlPage } from '../../adapter.js'
import { BlockedError } from '../../errors.js'
import { walkSearch, walkUser, type WalkLimits } from './walk.js'

const UID_ERROR = 'expected a Weibo uid (digits only), e.g. 6000000001'

const uid = z
  .union([z.number().int().positive(), z.string().regex(/^\d{4,15}$/, { error: UID_ERROR })], { error: UID_ERROR })
  .transform((value) => String(value))

const envName = z
  .string({ error: 'expected an environment variable name' })
  .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'must be an environment variable name such as LIANXIN_WEIBO_COOKIE' })

/** Options of a `weibo` source. */
export const weiboOptions = z
  .object({
    /** User timelines to follow (uids, the digits of https://m.weibo.cn/u/<uid>). */
    users: z.array(uid, { error: 'expected a list of uids' }).default([]),
    /** Keywords for the real-time search (实时微博, containerid 100103type=61). */
    keywords: z.array(z.string({ error: 'expected a keyword' }).trim().min(1, { error: 'a keyword cannot be empty' }), { error: 'expected a list of keywords' }).default([]),
    /** The Cookie header of a logged-in or visitor m.weibo.cn session (prefer cookieEnv). */
    cookie: z.string({ error: 'expected the Cookie header value, e.g. "SUB=…; _T_WM=…"' }).min(1).optional(),
    /** Name of the environment variable holding the cookie. */
    cookieEnv: envName.optional(),
    /**
     * List pages read per scope in one run (default 10). It is also how deep the first crawl of a
     * scope goes; a later walk cut short by it resumes in the next run, so nothing is skipped.
     */
    maxPagesPerScope: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(1, { error: 'at least 1' }).max(100, { error: 'at most 100; be polite to Weibo' }).default(10),
  })
  .strict()
  .refine((o) => o.users.length + o.keywords.length > 0, { error: 'give at least one uid in users or one keyword in keywords' })
  .refine((o) => o.cookie === undefined || o.cookieEnv === undefined, { error: 'set cookie or cookieEnv, not both' })

/** Parsed options of a `weibo` source. */
export type WeiboOptions = z.output<typeof weiboOptions>

async function applyCookie(ctx: AdapterContext<WeiboOptions>): Promise<void> {
  const { cookie: inline, cookieEnv } = ctx.options
  const cookie = inline ?? (cookieEnv ? process.env[cookieEnv] : undefined)
  if (cookieEnv && !cookie) {
    throw new SourceError(`${ctx.source.id}: the environment variable ${cookieEnv} (options.cookieEnv) is not set or empty`, {
      suggestions: [`Export ${cookieEnv} with the Cookie header of an m.weibo.cn session, or remove cookieEnv to crawl without a cookie.`],
    })
  }
  if (!cookie) return
  for (const pair of cookie.split(';')) {
    const at = pair.indexOf('=')
    if (at <= 0) continue
    await ctx.fetcher.cookies.setCookie(`${pair.slice(0, at).trim()}=${pair.slice(at + 1).trim()}`, ctx.baseUrl)
  }
}

/**
 * Weibo through the m.weibo.cn container API: user timelines (`user:<uid>`, `since_id` pages) and
 * real-time keyword searches (`search:<kw>`, numbered pages). Each scope keeps the highest post id
 * as its watermark and only moves it once a walk has reached it. Long posts are completed from
 * `/statuses/extend` (or the detail page); reposts keep `meta.repostOf`; counts go to `metrics`.
 * A captcha answer (`ok:-100`) blocks the source (`weibo-captcha`); HTTP 403/418/432 are blocked
 * by the fetcher. One failing scope does not stop the others: the run reports them at the end.
 */
export const weiboAdapter = defineAdapter<WeiboOptions>({
  kind: 'weibo',
  summary: 'Weibo user timelines and keyword searches (m.weibo.cn container API)',
  defaultBaseUrl: 'https://m.weibo.cn',
  options: weiboOptions,
  example: {
    users: ['6000000001', '6000000003'],
    keywords: ['平房区'],
    cookieEnv: 'LIANXIN_WEIBO_COOKIE',
    maxPagesPerScope: 5,
  },
  async *crawl(ctx): AsyncGenerator<CrawlPage> {
    await applyCookie(ctx)
    const limits: WalkLimits = { runPages: ctx.maxPages ?? Number.POSITIVE_INFINITY, scopePages: ctx.options.maxPagesPerScope }
    const scopes = [
      ...ctx.options.users.map((id) => ({ name: `user:${id}`, walk: () => walkUser(ctx, id, limits) })),
      ...ctx.options.keywords.map((kw) => ({ name: `search:${kw}`, walk: () => walkSearch(ctx, kw, limits) })),
    ]
    const failures: string[] = []
    for (const scope of scopes) {
      try {
        yield* scope.walk()
      } catch (err) {
        if (err instanceof BlockedError || ctx.fetcher.blockedBy) throw err
        failures.push(`${scope.name}: ${describeError(err)}`)
        ctx.log(`${scope.name} failed: ${describeError(err)}`)
      }
    }
    if (failures.length > 0) {
      throw new SourceError(`${ctx.source.id}: ${failures.length} of ${scopes.length} Weibo scopes failed — ${failures.join(' | ')}`, {
        suggestions: ['The other scopes were crawled and stored; the failed ones resume from their last stored page in the next run.'],
      })
    }
  },
})
