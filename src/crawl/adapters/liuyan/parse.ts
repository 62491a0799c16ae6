/**
 * The board's thread records, whichever API served them (signed v1 list, legacy form list, v1 content),
 * normalised into one post: title, full body, board, domain, type, state, official reply and grades.
 */
import type { ParsedPost } from '../../adapter.js'
import { htmlToText } from '../../html-text.js'

/** A thread object as an API serves it (keys verbatim from sources.md §1.2–1.3). */
export type RawThread = Record<string, unknown>

/** The official reply to a thread (回复单位, 回复内容, 回复时间). */
export interface OfficialReply {
  organization: string | null
  content: string
  time: string | null
}

/** The citizen's satisfaction rating: overall and 解决程度 / 办理态度 / 办理速度 (1–5). */
export interface Grades {
  grade: number | null
  gradeLevel: number | null
  gradeManner: number | null
  gradeSpeed: number | null
}

/**
 * The stars the board shows for a thread's overall grade (a mean of the three, 1–5): above 4.5
 * 很满意 5, above 3.5 满意 4, above 2.5 基本满意 3, above 1.5 不满意 2, else 很不满意 1.
 */
export function boardStars(grade: number): 1 | 2 | 3 | 4 | 5 {
  return grade > 4.5 ? 5 : grade > 3.5 ? 4 : grade > 2.5 ? 3 : grade > 1.5 ? 2 : 1
}

/** What `/v1/threads/content` says about one thread. */
export interface ThreadDetail {
  /** Thread fields outside `contentList` (subject, stateInfo, grades… as far as the site sends them). */
  header: RawThread
  /** The citizen's full text (every `dataType` 1 entry), or null if the list had none. */
  body: string | null
  reply: OfficialReply | null
}

/** The fields of a stored liuyan post's `meta` (a change in any of them is a new version). */
export interface LiuyanMeta {
  fid: number | null
  board: string | null
  domain: string | null
  type: string | null
  state: string | null
  /** threadsCheckTime: when the thread passed review and went public. */
  checkedAt: string | null
  reply: OfficialReply | null
  grades: Grades | null
  /** Present when only the list's shortened text could be stored. */
  truncated?: true
}

/** A string field, trimmed; numbers are accepted; '' and null become null. */
export function str(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value !== 'string') return null
  const text = value.trim()
  return text === '' ? null : text
}

/** A numeric field (numbers or numeric strings). */
export function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim())
  return null
}

/** A thread's tid, if it is a positive integer. */
export function threadId(item: RawThread): number | null {
  const tid = num(item.tid)
  return tid !== null && Number.isSafeInteger(tid) && tid > 0 ? tid : null
}

/**
 * A board time as ISO-8601 UTC. The board sends Unix seconds (read in Asia/Shanghai, which needs no
 * shift for epoch values); milliseconds and `YYYY-MM-DD HH:MM[:SS]` Shanghai wall-clock strings are
 * accepted too.
 */
export function boardTime(value: unknown): string | null {
  const n = num(value)
  if (n !== null) {
    if (n <= 0) return null
    const ms = n > 1e12 ? n : n * 1000
    const date = new Date(ms)
    return Number.isNaN(date.getTime()) ? null : date.toISOString()
  }
  const text = str(value)
  const m = text ? /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text) : null
  if (!m) return null
  const [, y, mo, d, h, mi, s] = m
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h) - 8, Number(mi), Number(s ?? 0))).toISOString()
}

const text = (value: unknown): string | null => {
  const raw = str(value)
  if (raw === null) return null
  const clean = htmlToText(raw)
  return clean === '' ? null : clean
}

/** Parses the `resultData` of `/v1/threads/content`. */
export function parseDetail(resultData: RawThread): ThreadDetail {
  const { contentList, ...header } = resultData
  const entries = Array.isArray(contentList) ? contentList.filter((e): e is RawThread => typeof e === 'object' && e !== null) : []
  const citizen = entries.filter((e) => num(e.dataType) === 1).map((e) => text(e.content)).filter((t): t is string => t !== null)
  const answer = entries.filter((e) => num(e.dataType) === 4 && text(e.content) !== null).at(-1)
  return {
    header,
    body: citizen.length > 0 ? citizen.join('\n') : null,
    reply: answer ? { organization: str(answer.organization), content: text(answer.content) ?? '', time: boardTime(answer.dateline) } : null,
  }
}

/** The first of the thread's values for `key` that is not null: content header first, then the list item. */
function field(key: string, ...sources: Array<RawThread | undefined>): unknown {
  for (const source of sources) {
    const value = source?.[key]
    if (value !== undefined && value !== null && value !== '') return value
  }
  return null
}

function grades(...sources: Array<RawThread | undefined>): Grades | null {
  const g: Grades = {
    grade: num(field('grade', ...sources)),
    gradeLevel: num(field('gradeLevel', ...sources)),
    gradeManner: num(field('gradeManner', ...sources)),
    gradeSpeed: num(field('gradeSpeed', ...sources)),
  }
  return Object.values(g).some((v) => v !== null) ? g : null
}

/** Whether a list text was cut by the site ("…"). */
export function looksTruncated(content: string): boolean {
  return /(…|\.\.\.)$/.test(content)
}

export interface PostInput {
  tid: number
  /** The list item, when the thread came from a list page. */
  item?: RawThread
  /** The content API's answer, when it could be read. */
  detail?: ThreadDetail
  /** Site base URL without a trailing slash. */
  baseUrl: string
  /** The board being crawled (used when the thread does not name its own). */
  board: { fid: number; name: string }
}

/** One thread as a stored post. */
export function toPost(input: PostInput): ParsedPost {
  const { tid, item, detail, board } = input
  const header = detail?.header
  const listText = text(item?.content)
  const body = detail?.body ?? listText ?? ''
  const truncated = detail?.body == null && listText !== null && looksTruncated(listText)
  const answerContent = text(field('answerContent', header, item))
  const reply =
    detail?.reply ??
    (answerContent
      ? { organization: str(field('answerOrganization', header, item)), content: answerContent, time: boardTime(field('answerDateline', header, item)) }
      : null)
  const meta: LiuyanMeta = {
    fid: num(field('fid', header, item)) ?? board.fid,
    board: str(field('forumName', header, item)) ?? board.name,
    domain: str(field('domainName', header, item)),
    type: str(field('typeName', header, item)),
    state: str(field('stateInfo', header, item)),
    checkedAt: boardTime(field('threadsCheckTime', header, item)),
    reply,
    grades: grades(header, item),
    ...(truncated ? { truncated: true as const } : {}),
  }
  const favNum = num(field('favNum', header, item))
  const subject = text(field('subject', header, item))
  return {
    externalId: String(tid),
    url: `${input.baseUrl}/threads/content?tid=${tid}`,
    title: subject ?? (body.slice(0, 40) || `留言 ${tid}`),
    body,
    author: str(field('nickName', header, item)),
    publishedAt: boardTime(field('dateline', header, item)) ?? boardTime(field('createDateline', header, item)),
    meta: { ...meta },
    metrics: favNum !== null ? { favNum } : {},
  }
}

/**
 * Whether a thread must be looked at again on the next run: still 待回复/办理中, or 已办理 but the reply
 * or the rating has not appeared yet, or only its shortened list text is stored.
 */
export function needsRecheck(post: ParsedPost): boolean {
  const meta = post.meta as Partial<LiuyanMeta> | undefined
  if (!meta) return true
  if (meta.truncated) return true
  return !(meta.state === '已办理' && meta.reply != null && meta.grades != null)
}
