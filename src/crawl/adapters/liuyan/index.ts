/**
 * 人民网领导留言板 (liuyan.people.com.cn): the leaders' boards of the district, found by name, crawled
 * incrementally by tid, with open threads re-checked until they have a reply and a rating.
 */
import { z } from 'zod'
import { SourceError } from '../../../errors.js'
import { defineAdapter, type CrawlPage } from '../../adapter.js'
import { BadResponseError } from '../../errors.js'
import { SignedApi, warmUp, type LiuyanContext } from './api.js'
import { crawlBoard, Transport } from './board.js'
import { discoverBoards, nearMisses, type Board, type BoardsCursor } from './boards.js'

const boardName = z.string({ error: 'expected a board name such as 平房区委书记' }).trim().min(1, { error: 'a board name cannot be empty' })

/** Options of a `liuyan` source. */
export const liuyanOptions = z
  .object({
    /** Boards by their name on the site (the fids of 平房区 are not published). */
    boards: z.array(boardName, { error: 'expected a list of board names, e.g. [平房区委书记, 平房区长]' }).min(1, { error: 'list at least one board, e.g. [平房区委书记, 平房区长]' }),
    /** Known fids by board name: these boards skip discovery. */
    fids: z
      .record(boardName, z.number({ error: 'expected a board id (fid) such as 91001' }).int({ error: 'a fid is a whole number' }).positive({ error: 'a fid is positive' }), {
        error: 'expected a mapping of board name to fid, e.g. {平房区委书记: 91001}',
      })
      .optional(),
    /** Areas from the province down (e.g. [黑龙江省, 哈尔滨市, 平房区]): discovery opens only these. */
    region: z.array(boardName, { error: 'expected a list of area names, e.g. [黑龙江省, 哈尔滨市, 平房区]' }).min(1, { error: 'list at least one area or leave region out' }).optional(),
    /** signed = the site's JSON API (default, falls back to form); form / pro-form = the unsigned list APIs. */
    transport: z.enum(['signed', 'form', 'pro-form'], { error: 'must be signed, form or pro-form' }).default('signed'),
    /** The site's appCode; by default it is read from /messageSearch on every run. */
    appCode: z.string({ error: 'expected the appCode string, e.g. PC42ce3bfa4980a9' }).regex(/^[A-Za-z0-9_-]{4,64}$/, { error: 'an appCode is 4–64 letters or digits, e.g. PC42ce3bfa4980a9' }).optional(),
    /** Threads per list page. */
    pageSize: z.number({ error: 'expected a number 1–50' }).int({ error: 'expected a whole number 1–50' }).min(1, { error: 'at least 1' }).max(50, { error: 'at most 50' }).default(20),
    /** How many open threads per board are re-checked on each run (the newest ones). */
    openLimit: z.number({ error: 'expected a number 0–1000' }).int({ error: 'expected a whole number 0–1000' }).min(0, { error: 'at least 0' }).max(1000, { error: 'at most 1000' }).default(200),
    /** On the first crawl of a board, skip threads older than this many days (default: the whole history). */
    backfillDays: z.number({ error: 'expected a number of days' }).int({ error: 'expected a whole number of days' }).positive({ error: 'must be at least 1 day' }).optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    for (const name of Object.keys(o.fids ?? {})) {
      if (!o.boards.includes(name)) ctx.addIssue({ code: 'custom', path: ['fids', name], message: `"${name}" is not listed in boards (${o.boards.join(', ')})` })
    }
    const dup = o.boards.find((b, i) => o.boards.indexOf(b) !== i)
    if (dup !== undefined) ctx.addIssue({ code: 'custom', path: ['boards'], message: `"${dup}" is listed twice` })
  })

export type LiuyanOptions = z.infer<typeof liuyanOptions>

/** The liuyan adapter. */
export const liuyanAdapter = defineAdapter<LiuyanOptions>({
  kind: 'liuyan',
  summary: "人民网领导留言板: the district leaders' boards, found by name; new threads by tid, open threads re-checked for replies and ratings",
  defaultBaseUrl: 'https://liuyan.people.com.cn',
  options: liuyanOptions,
  example: { boards: ['平房区委书记', '平房区长'], region: ['黑龙江省', '哈尔滨市', '平房区'], transport: 'signed' },
  async *crawl(ctx) {
    const o = ctx.options
    const lctx: LiuyanContext = { sourceId: ctx.source.id, baseUrl: ctx.baseUrl.replace(/\/+$/, ''), fetcher: ctx.fetcher, log: (m) => ctx.log(m) }
    const extracted = await warmUp(lctx)
    const appCode = o.appCode ?? extracted
    if (!appCode) ctx.log('no appCode in /messageSearch and none configured: the signed API (discovery, full texts) is unavailable')
    const signed = appCode ? new SignedApi(lctx, appCode) : null

    const cached = (await ctx.checkpoint<BoardsCursor>('boards'))?.fids ?? {}
    const fids: Record<string, number> = {}
    for (const name of o.boards) {
      const fid = o.fids?.[name] ?? cached[name]
      if (fid !== undefined) fids[name] = fid
    }
    let unknown = o.boards.filter((name) => fids[name] === undefined)
    let why = 'the signed API is unavailable (no appCode)'
    let seen: string[] = []
    /** The discovered fids, committed after the first page of threads (so a one-page test shows threads). */
    let found: CrawlPage | null = null
    if (unknown.length > 0 && signed) {
      try {
        const result = await discoverBoards(signed, unknown, o.region, lctx.log)
        seen = result.seen
        Object.assign(fids, result.found)
        if (Object.keys(result.found).length > 0) found = { scope: 'boards', posts: [], cursor: { fids: { ...cached, ...result.found } } satisfies BoardsCursor }
        why = o.region ? `not under ${o.region.join(' / ')} in the forum tree, nor in search results` : 'not in the forum tree (set region to search the right areas), nor in search results'
      } catch (err) {
        if (!(err instanceof BadResponseError)) throw err
        why = `the forum APIs answered something unusable (${err.message})`
      }
      unknown = unknown.filter((name) => fids[name] === undefined)
    }

    const transport = new Transport(lctx, signed, o.transport, o.pageSize)
    const floor = o.backfillDays === undefined ? null : Math.floor(ctx.now().getTime() / 1000) - o.backfillDays * 86_400
    for (const name of o.boards) {
      const fid = fids[name]
      if (fid === undefined) continue
      const board: Board = { name, fid }
      for await (const page of crawlBoard({ ctx: lctx, transport, board, checkpoint: (scope) => ctx.checkpoint(scope), maxPages: ctx.maxPages, openLimit: o.openLimit, floor })) {
        yield page
        if (found) yield found
        found = null
      }
    }
    if (found) yield found

    if (unknown.length > 0) {
      const close = [...new Set(unknown.flatMap((name) => nearMisses(name, seen)))]
      const similar = close.length > 0 ? ` (forums with similar names: ${close.join(', ')})` : ''
      throw new SourceError(`${ctx.source.id}: board${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} not found: ${why}${similar}`, {
        code: 'BOARD_NOT_FOUND',
        suggestions: ['Check the exact name on the site, or give the board id in options.fids (the fid is in the board page URL: /threads/list?fid=…).'],
      })
    }
  },
})
