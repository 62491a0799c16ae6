/**
 * Transport to the board's unsigned form API (sources.md §1.2): `POST /threads/queryThreadsList`
 * (legacy, used by RSSHub) or its 2025/26 `/pro-dfbbs-front/` variant. It must be a POST: GET answers 405.
 * It serves lists only (texts cut with "…"); full texts need the signed content API.
 */
import { BadResponseError } from '../../errors.js'
import { postJson, type LiuyanContext, type ListPage } from './api.js'
import { str } from './parse.js'

/** The two unsigned variants. */
export type FormVariant = 'form' | 'pro-form'

/** Path of each variant. */
export const FORM_PATHS: Record<FormVariant, string> = {
  form: '/threads/queryThreadsList',
  'pro-form': '/pro-dfbbs-front/threads/queryThreadsList',
}

/** `state` 1 = 全部 (2 待回复, 3 办理中, 4 已办理). */
const ALL_STATES = 1

/** One list page of a board through the form API: threads older than `after` (a tid), newest first. */
export async function formList(ctx: LiuyanContext, variant: FormVariant, fid: number, after: number | null, pageSize: number): Promise<ListPage> {
  const path = FORM_PATHS[variant]
  const { body, res } = await postJson(ctx, path, {
    headers: {
      accept: 'application/json, text/javascript, */*; q=0.01',
      origin: new URL(ctx.baseUrl).origin,
      referer: `${ctx.baseUrl}/threads/list?fid=${fid}`,
      'x-requested-with': 'XMLHttpRequest',
    },
    form: { fid, state: ALL_STATES, lastItem: after ?? 0, pageSize },
  })
  const data = body.responseData
  if (str(body.result) !== 'success' || body.success === false || !Array.isArray(data)) {
    throw new BadResponseError(
      `${ctx.sourceId}: ${path} (fid ${fid}) did not answer a thread list: result ${str(body.result) ?? '?'}${str(body.resultDesc) ? `, ${str(body.resultDesc)}` : ''}`,
    )
  }
  return { items: data.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)), res }
}
