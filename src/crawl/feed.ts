import * as cheerio from 'cheerio'
import { BadResponseError } from './errors.js'
import { htmlToText } from './html-text.js'

export interface FeedItem {
  id: string
  title: string
  link: string | null
  publishedAt: string | null
  author: string | null
  /** Plain text of the item's content or summary. */
  text: string
  /** The item's HTML content, as the feed gave it. */
  html: string
}

export interface Feed {
  title: string
  items: FeedItem[]
}

/** Parses RSS 2.0, RSS 1.0 (RDF) and Atom. Throws BadResponseError when it is none of them. */
export function parseFeed(xml: string, url: string): Feed {
  const $ = cheerio.load(xml, { xml: true })
  const root = $.root().children().first()
  const name = root.prop('tagName')?.toLowerCase()
  if (name === 'feed') {
    return {
      title: $('feed > title').first().text().trim(),
      items: $('feed > entry')
        .toArray()
        .map((el) => {
          const entry = $(el)
          const link = entry.find('link[rel="alternate"]').attr('href') ?? entry.find('link').first().attr('href') ?? null
          const html = entry.find('content').first().text() || entry.find('summary').first().text()
          return item({
            id: entry.find('id').first().text().trim() || link || '',
            title: entry.find('title').first().text(),
            link: link ? new URL(link, url).toString() : null,
            date: entry.find('published').first().text() || entry.find('updated').first().text(),
            author: entry.find('author > name').first().text(),
            html,
          })
        }),
    }
  }
  if (name === 'rss' || name === 'rdf:rdf') {
    return {
      title: $('channel > title').first().text().trim(),
      items: $('item')
        .toArray()
        .map((el) => {
          const entry = $(el)
          const link = entry.find('link').first().text().trim() || null
          const html = entry.find('content\\:encoded').first().text() || entry.find('description').first().text()
          return item({
            id: entry.find('guid').first().text().trim() || link || entry.find('title').first().text(),
            title: entry.find('title').first().text(),
            link: link ? new URL(link, url).toString() : null,
            date: entry.find('pubDate').first().text() || entry.find('dc\\:date').first().text(),
            author: entry.find('author').first().text() || entry.find('dc\\:creator').first().text(),
            html,
          })
        }),
    }
  }
  throw new BadResponseError(`${url} is not an RSS or Atom feed (root element <${name ?? 'none'}>)`)
}

function item(raw: { id: string; title: string; link: string | null; date: string; author: string; html: string }): FeedItem {
  const date = raw.date.trim() ? new Date(raw.date.trim()) : undefined
  return {
    id: raw.id,
    title: htmlToText(raw.title),
    link: raw.link,
    publishedAt: date && !Number.isNaN(date.getTime()) ? date.toISOString() : null,
    author: raw.author.trim() || null,
    text: htmlToText(raw.html),
    html: raw.html,
  }
}
