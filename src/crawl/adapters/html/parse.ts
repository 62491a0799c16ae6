import * as cheerio from 'cheerio'
import type { ParsedPost } from '../../adapter.js'
import { BadResponseError } from '../../errors.js'
import { htmlToText } from '../../html-text.js'
import { parseChineseDate } from './dates.js'
import type { PageDescription } from './selectors.js'

/** One item of a list page. */
export interface ListItem {
  /** The detail page to fetch: absolute, without fragment. */
  href: string
  /** The detail URL normalised (no fragment, sorted query): the post's externalId. */
  id: string
  title: string
  /** ISO UTC, from `list.date`. */
  publishedAt: string | null
  /** Visible text of the item (the body when there is no detail page). */
  text: string
}

export interface ListPage {
  items: ListItem[]
  /** The next list page, absolute. */
  next: string | null
}

/** The URL as an id: no fragment, query parameters sorted. */
export function normaliseUrl(url: string): string {
  const u = new URL(url)
  u.hash = ''
  u.searchParams.sort()
  return u.toString()
}

/**
 * Throws when the page is visibly cut off or broken (no closing `</body>` or `</html>`), so a
 * half-delivered list is never taken for the whole list.
 */
export function assertComplete(html: string, where: string): void {
  if (!/<\/(body|html)\s*>/i.test(html)) {
    throw new BadResponseError(`${where} looks cut off or malformed: it has no closing </body> or </html>`, {
      suggestions: ['Run the crawl again later; if it persists, open the page in a browser to see what the site sends.'],
    })
  }
}

/** Items and the next-page link of a list page. */
export function parseList(html: string, pageUrl: string, desc: PageDescription, now: Date): ListPage {
  const $ = cheerio.load(html)
  const base = baseOf($, pageUrl)
  const items: ListItem[] = []
  const ids = new Set<string>()
  $(desc.list.item).each((_, el) => {
    const item = $(el)
    const link = item.is(desc.list.link) ? item : item.find(desc.list.link).first()
    const href = absolute(link.attr('href'), base)
    if (href === null) return
    const id = normaliseUrl(href)
    if (ids.has(id)) return
    ids.add(id)
    const title = clean(desc.list.title ? item.find(desc.list.title).first().text() : link.text())
    const dateText = desc.list.date ? item.find(desc.list.date).first().text() : ''
    items.push({
      href,
      id,
      title,
      publishedAt: dateText ? parseChineseDate(dateText, desc.list.dateFormat, now) : null,
      text: htmlToText(item.html() ?? ''),
    })
  })
  const next = desc.next ? absolute($(desc.next).first().attr('href'), base) : null
  return { items, next }
}

/** A post from a detail page, falling back to the list item for title and date. */
export function parseDetail(html: string, pageUrl: string, desc: PageDescription, item: ListItem, where: string, now: Date): ParsedPost {
  const detail = desc.detail
  if (!detail) return postFromItem(item)
  const $ = cheerio.load(html)
  const body = $(detail.body).first()
  if (body.length === 0) {
    throw new BadResponseError(`${where} has no element matching "${detail.body}" (options.detail.body)`, {
      suggestions: ['The page layout may have changed: open the page and adjust the selectors in lianxin.yaml.'],
    })
  }
  const title = (detail.title ? clean($(detail.title).first().text()) : '') || item.title || clean($('title').first().text())
  const dateText = detail.date ? $(detail.date).first().text() : ''
  const author = detail.author ? unlabel(clean($(detail.author).first().text())) : ''
  const meta: Record<string, unknown> = {}
  for (const [name, sel] of Object.entries(detail.meta ?? {})) {
    const value = unlabel(clean($(sel).first().text()))
    if (value) meta[name] = value
  }
  return {
    externalId: item.id,
    url: pageUrl,
    title,
    body: htmlToText(body.html() ?? ''),
    author: author || null,
    publishedAt: (dateText ? parseChineseDate(dateText, detail.dateFormat, now) : null) ?? item.publishedAt,
    meta,
  }
}

/** A post made from a list item alone (no `detail` in the description). */
export function postFromItem(item: ListItem): ParsedPost {
  return { externalId: item.id, url: item.href, title: item.title, body: item.text, author: null, publishedAt: item.publishedAt, meta: {} }
}

function baseOf($: cheerio.CheerioAPI, pageUrl: string): string {
  const declared = $('base[href]').first().attr('href')
  return absolute(declared, pageUrl) ?? pageUrl
}

/** An http(s) link resolved against `base`, without its fragment; null for anything else. */
function absolute(href: string | undefined, base: string): string | null {
  if (href === undefined || href.trim() === '') return null
  let url: URL
  try {
    url = new URL(href.trim(), base)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  url.hash = ''
  return url.toString()
}

/** Drops a short leading label such as "来源：" or "文号:". */
function unlabel(text: string): string {
  return text.replace(/^[^:：\s]{1,8}\s*[:：]\s*/, '')
}

function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}
