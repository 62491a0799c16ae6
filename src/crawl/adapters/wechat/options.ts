import { z } from 'zod'

const envName = z
  .string({ error: 'expected an environment variable name' })
  .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'must be an environment variable name such as LIANXIN_WECHAT_COOKIE' })

/** Options of a `wechat` source. */
export const wechatOptions = z
  .object({
    /** The account's display name (公众号名称): the author of its articles when a page does not name it. */
    account: z.string({ error: 'expected the account name, e.g. 平房大小事' }).trim().min(1).optional(),
    /** `feed` (default): the source url is an RSS/Atom feed from a bridge; `mp`: the 公众平台 back-office list API. */
    transport: z.enum(['feed', 'mp'], { error: 'must be feed or mp' }).default('feed'),
    /** Open every new article page for the full text, images and region (default true). */
    fetchArticles: z.boolean({ error: 'expected true or false' }).default(true),
    /** mp: the account's `fakeid` (its `__biz`, from /cgi-bin/searchbiz). */
    fakeid: z.string({ error: 'expected the fakeid (__biz) of the account' }).trim().min(1).optional(),
    /** mp: the `token` of a logged-in 公众平台 session (prefer tokenEnv). */
    token: z.string({ error: 'expected the token of the 公众平台 session' }).trim().min(1).optional(),
    /** mp: environment variable holding the token. */
    tokenEnv: envName.optional(),
    /** mp: environment variable holding the Cookie header of the 公众平台 session. */
    cookieEnv: envName.optional(),
    /** Articles stored per page: a crash loses at most this many article fetches (default 5). */
    batchSize: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(1, { error: 'at least 1' }).max(20, { error: 'at most 20' }).default(5),
    /** mp: list pages (5 mass sends each) read per run; also the depth of the first crawl (default 5). */
    maxPagesPerScope: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(1, { error: 'at least 1' }).max(50, { error: 'at most 50; the back office rate-limits hard' }).default(5),
  })
  .strict()
  .superRefine((o, issue) => {
    if (o.transport !== 'mp') return
    if (!o.fakeid) issue.addIssue({ code: 'custom', path: ['fakeid'], message: 'transport mp needs fakeid (the __biz of the account, found with /cgi-bin/searchbiz)' })
    if (!o.token && !o.tokenEnv) issue.addIssue({ code: 'custom', path: ['token'], message: 'transport mp needs token or tokenEnv (the token of a logged-in 公众平台 session)' })
  })

/** Parsed options of a `wechat` source. */
export type WechatOptions = z.output<typeof wechatOptions>
