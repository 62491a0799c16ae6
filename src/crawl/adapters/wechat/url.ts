/**
 * WeChat article links (sources.md §2.1.1): the permanent form `/s?__biz=&mid=&idx=&sn=` (also
 * spelled `appmsgid`/`itemidx`/`sign`, as in `/mp/appmsg/show`), short links `/s/<id>` and
 * Sogou-style temporary links `/s?src=&timestamp=&ver=&signature=`. Only the permanent form
 * identifies an article; the other two are resolved by fetching them.
 */

/** What identifies an article: the account (`__biz`), the mass send (`mid`), its position (`idx`), and `sn`. */
export interface ArticleKey {
  biz: string
  mid: string
  idx: string
  sn: string
}

/** The form of an article link. */
export type LinkForm = 'permanent' | 'short' | 'temporary' | 'other'

function parse(url: string): URL | null {
  try {
    return new URL(url.replace(/&amp;/g, '&'))
  } catch {
    return null
  }
}

function param(u: URL, ...names: string[]): string | null {
  for (const name of names) {
    const value = u.searchParams.get(name)
    if (value !== null && value.trim() !== '') return value.trim()
  }
  return null
}

/** The key of a permanent link (aliases understood; idx defaults to 1), or null. */
export function keyOf(url: string): ArticleKey | null {
  const u = parse(url)
  if (!u) return null
  const biz = param(u, '__biz', 'biz')
  const mid = param(u, 'mid', 'appmsgid')
  const sn = param(u, 'sn', 'sign')
  if (!biz || !mid || !sn || !/^\d+$/.test(mid)) return null
  const idx = param(u, 'idx', 'itemidx') ?? '1'
  return /^\d+$/.test(idx) ? { biz, mid, idx, sn } : null
}

/** How a link identifies its article. */
export function linkForm(url: string): LinkForm {
  const u = parse(url)
  if (!u) return 'other'
  if (keyOf(url)) return 'permanent'
  if (/\/s\/[A-Za-z0-9_-]+\/?$/.test(u.pathname)) return 'short'
  if (/\/s\/?$/.test(u.pathname) && u.searchParams.has('signature') && (u.searchParams.has('timestamp') || u.searchParams.has('src'))) return 'temporary'
  return 'other'
}

/**
 * The permanent URL of a key, on the host (and path prefix) of `like`: `https://mp.weixin.qq.com/s?__biz=…&mid=…&idx=…&sn=…`
 * with only those four parameters (http upgraded to https on mp.weixin.qq.com).
 */
export function permanentUrl(key: ArticleKey, like: string): string {
  const u = parse(like) ?? new URL('https://mp.weixin.qq.com/s')
  const origin = u.hostname === 'mp.weixin.qq.com' ? 'https://mp.weixin.qq.com' : u.origin
  const prefix = u.pathname.replace(/\/(?:s(?:\/[^/]*)?|mp\/appmsg\/show|mp\/rumor)\/?$/, '')
  return `${origin}${prefix}/s?__biz=${encodeURIComponent(key.biz)}&mid=${key.mid}&idx=${key.idx}&sn=${encodeURIComponent(key.sn)}`
}

/** A permanent link with only its four parameters, or null when the link is not permanent. */
export function normalizeArticleUrl(url: string): string | null {
  const key = keyOf(url)
  return key ? permanentUrl(key, url) : null
}

/** The externalId of an article: `<biz>:<mid>:<idx>` (the same whichever link form led to it). */
export function articleId(key: ArticleKey): string {
  return `${key.biz}:${key.mid}:${key.idx}`
}

/** Decodes the few HTML entities found in inline script strings (`&amp;`, `&quot;`, `&#39;`, `&lt;`, `&gt;`, `\x26`). */
export function decodeEntities(text: string): string {
  return text
    .replace(/\\x26/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}
