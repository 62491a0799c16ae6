/**
 * m.weibo.cn `mblog` objects → posts: ids, plain text (emoji images → their alt, `#话题#` kept),
 * title, engagement counts ("1万+" → 10000), region, reposts, pictures.
 */
import type { ParsedPost } from '../../adapter.js'
import { htmlToText } from '../../html-text.js'
import { parseWeiboDate } from './time.js'

/** The fields of an m.weibo.cn `user` the adapter reads. */
export interface WeiboUser {
  id?: number | string
  screen_name?: string
}

/** The fields of an m.weibo.cn `mblog` the adapter reads (sources.md §2.2). */
export interface Mblog {
  id?: number | string
  idstr?: string
  mid?: string
  bid?: string
  text?: string
  raw_text?: string
  created_at?: string
  user?: WeiboUser | null
  reposts_count?: number | string
  comments_count?: number | string
  attitudes_count?: number | string
  isLongText?: boolean
  longText?: { longTextContent?: string }
  retweeted_status?: Mblog | null
  mblogtype?: number
  region_name?: string
  edit_count?: number
  pics?: WeiboPic[] | Record<string, WeiboPic>
}

interface WeiboPic {
  url?: string
  large?: { url?: string }
}

/** A card of a `getIndex` answer: `card_type` 9 carries an mblog, 11 a `card_group` of cards. */
export interface WeiboCard {
  card_type?: number | string
  mblog?: Mblog
  card_group?: WeiboCard[]
}

/** The mblogs of a card list, in order: type-9 cards, and type-9 cards inside type-11 groups. */
export function mblogsOf(cards: readonly WeiboCard[] | undefined): Mblog[] {
  const out: Mblog[] = []
  for (const card of cards ?? []) {
    const type = Number(card.card_type)
    if (type === 9 && card.mblog) out.push(card.mblog)
    else if (type === 11 && Array.isArray(card.card_group)) out.push(...mblogsOf(card.card_group))
  }
  return out
}

/** The post id as a decimal string (`idstr`/`mid` first: a numeric `id` may have lost precision). */
export function mblogId(m: Mblog): string | null {
  for (const value of [m.idstr, m.mid, m.id]) {
    const text = value === undefined || value === null ? '' : String(value)
    if (/^\d+$/.test(text)) return text
  }
  return null
}

/** Compares two decimal ids of any length. */
export function compareIds(a: string, b: string): number {
  const x = BigInt(a)
  const y = BigInt(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** The larger of two ids (null = none). */
export function maxId(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null
  if (!b) return a
  return compareIds(a, b) >= 0 ? a : b
}

/** Whether the mblog is a pinned post (置顶), which sits on top of a timeline whatever its age. */
export function isPinned(m: Mblog): boolean {
  return Number(m.mblogtype) === 2
}

/** Plain text of Weibo HTML: emoji images become their alt (`[怒]`), links and `#话题#` their text. */
export function weiboText(html: string): string {
  const withAlts = html.replace(/<img\b[^>]*>/gi, (tag) => {
    const alt = /\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i.exec(tag)
    const value = alt?.[1] ?? alt?.[2] ?? alt?.[3] ?? ''
    return value.replace(/\/$/, '').replace(/&/g, '&amp;').replace(/</g, '&lt;')
  })
  return htmlToText(withAlts)
}

/** The first sentence or line of a text, at most `max` characters. */
export function titleOf(text: string, max = 40): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? ''
  const sentence = /^.*?[。！？!?](?=.)/u.exec(line)?.[0] ?? line
  const chars = [...sentence.trim()]
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`
}

/** An engagement count: numbers as they are, "3256", "1万+" → 10000, "1.2万" → 12000, "100万+" → 1000000. */
export function parseCount(value: number | string | null | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value !== 'string') return undefined
  const m = /^\s*([\d.]+)\s*(万|亿|w|k)?\+?\s*$/i.exec(value.replace(/,/g, ''))
  if (!m) return undefined
  const unit = { 万: 1e4, w: 1e4, W: 1e4, 亿: 1e8, k: 1e3, K: 1e3 }[m[2] ?? ''] ?? 1
  const n = Math.round(Number(m[1]) * unit)
  return Number.isFinite(n) ? n : undefined
}

/** `发布于 黑龙江` → `黑龙江`. */
export function regionOf(m: Mblog): string | undefined {
  const region = (m.region_name ?? '').replace(/^\s*发布于\s*/, '').trim()
  return region === '' ? undefined : region
}

function picturesOf(m: Mblog): string[] {
  const pics = Array.isArray(m.pics) ? m.pics : m.pics ? Object.values(m.pics) : []
  return pics.map((p) => p.large?.url ?? p.url).filter((u): u is string => typeof u === 'string' && u !== '')
}

function topicsOf(text: string): string[] {
  return [...new Set([...text.matchAll(/#([^#\n]{1,40})#/g)].map((m) => m[1]?.trim() ?? '').filter((t) => t !== ''))]
}

export interface ToPostOptions {
  /** m.weibo.cn base URL, for the post's link. */
  baseUrl: string
  now: Date
  /** Full HTML of a long post (`/statuses/extend` or the detail page), when it was fetched. */
  fullHtml?: string
}

/** An mblog as a post: text, title, author, time, `meta` (content) and `metrics` (counts). */
export function toPost(m: Mblog, options: ToPostOptions): ParsedPost {
  const id = mblogId(m)
  if (id === null) throw new TypeError('mblog without an id')
  const html = options.fullHtml ?? m.longText?.longTextContent ?? m.text ?? ''
  const body = weiboText(html)
  const author = m.user?.screen_name ?? null
  const meta: Record<string, unknown> = {}
  if (m.user?.id !== undefined) meta.uid = String(m.user.id)
  if (m.bid) meta.bid = m.bid
  const region = regionOf(m)
  if (region) meta.region = region
  const topics = topicsOf(body)
  if (topics.length > 0) meta.topics = topics
  const images = picturesOf(m)
  if (images.length > 0) meta.images = images
  if (m.isLongText && options.fullHtml === undefined && !m.longText?.longTextContent) meta.truncated = true
  const orig = m.retweeted_status
  if (orig) {
    meta.repostOf = {
      id: mblogId(orig),
      user: orig.user?.screen_name ?? null,
      text: weiboText(orig.longText?.longTextContent ?? orig.text ?? ''),
    }
  }
  const metrics: Record<string, number> = {}
  for (const [key, value] of [['reposts', m.reposts_count], ['comments', m.comments_count], ['likes', m.attitudes_count]] as const) {
    const n = parseCount(value)
    if (n !== undefined) metrics[key] = n
  }
  return {
    externalId: id,
    url: `${options.baseUrl.replace(/\/+$/, '')}/detail/${id}`,
    title: titleOf(body) || (author ? `${author}的微博` : `微博 ${id}`),
    body,
    author,
    publishedAt: parseWeiboDate(m.created_at, options.now),
    meta,
    metrics,
  }
}
