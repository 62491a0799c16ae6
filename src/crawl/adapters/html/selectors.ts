import * as cheerio from 'cheerio'
import { z } from 'zod'
import { compileDateFormat } from './dates.js'

const probe = cheerio.load('<p></p>')

/** True if cheerio can use `value` as a selector (`:contains("下一页")` included). */
export function isValidSelector(value: string): boolean {
  try {
    probe(value)
    return true
  } catch {
    return false
  }
}

function isValidDateFormat(value: string): boolean {
  try {
    compileDateFormat(value)
    return true
  } catch {
    return false
  }
}

/** A CSS selector, checked when the config is read. */
const selector = (what: string) =>
  z
    .string({ error: `expected a CSS selector for ${what}, e.g. "ul.list > li"` })
    .trim()
    .min(1, { error: `the selector for ${what} must not be empty` })
    .refine(isValidSelector, { error: (issue) => `"${String(issue.input)}" is not a valid CSS selector (${what})` })

const dateFormat = z
  .string({ error: 'expected a date format such as "YYYY年MM月DD日 HH:mm"' })
  .refine(isValidDateFormat, {
    error: (issue) => `"${String(issue.input)}" is not a usable date format: use YYYY, MM, DD, HH, mm, ss and literal text (e.g. "YYYY年MM月DD日")`,
  })

/** Where the items of a list page are and what each carries. */
export const listSchema = z
  .object({
    /** One element per item, e.g. `ul.list > li`. */
    item: selector('list.item'),
    /** The link to the detail page, inside the item (or the item itself). @default "a" */
    link: selector('list.link').default('a'),
    /** The item's title, inside the item. @default the link's text */
    title: selector('list.title').optional(),
    /** The item's date, inside the item (fallback when the detail page has none). */
    date: selector('list.date').optional(),
    /** How `date` is written; absent = any common Chinese form. */
    dateFormat: dateFormat.optional(),
  })
  .strict()

/** Where the fields of a detail page are. */
export const detailSchema = z
  .object({
    /** @default the list item's title */
    title: selector('detail.title').optional(),
    /** The article text (required). */
    body: selector('detail.body'),
    date: selector('detail.date').optional(),
    dateFormat: dateFormat.optional(),
    /** Publisher or author, e.g. `.source` (a leading "来源：" is dropped). */
    author: selector('detail.author').optional(),
    /** Further fields kept in the post's meta, by name, e.g. `{ docNo: ".doc-no" }`. */
    meta: z.record(z.string(), selector('detail.meta')).optional(),
  })
  .strict()

/**
 * The description of a site shared by the `html` and `browser` kinds: list pages, pagination
 * and detail pages as CSS selectors.
 */
export const pageDescriptionShape = {
  list: listSchema,
  /** The link to the next list page, e.g. `a:contains("下一页")`. */
  next: selector('next').optional(),
  /** Absent = posts are made from the list items alone (no detail page is fetched). */
  detail: detailSchema.optional(),
  /** How many list pages deep to look; a walk that reaches it is complete. */
  maxPages: z.number({ error: 'expected a number of pages' }).int({ error: 'expected a whole number' }).min(1, { error: 'at least 1' }).optional(),
  /** Re-fetch this many already stored items of the first list page on every run, to catch edits. @default 0 */
  recheck: z.number({ error: 'expected a number of items' }).int({ error: 'expected a whole number' }).min(0, { error: 'at least 0' }).default(0),
}

/** Options of an `html` source. */
export const htmlOptionsSchema = z.object(pageDescriptionShape).strict()

/** The shared page description, as the walker reads it. */
export type PageDescription = z.infer<typeof htmlOptionsSchema>

/** Options of a `browser` source: the same description plus how to render. */
export const browserOptionsSchema = z
  .object({
    ...pageDescriptionShape,
    /** Wait until this selector is on the rendered page. @default list.item (detail.body on detail pages) */
    waitFor: selector('waitFor').optional(),
    /** Render detail pages in Chromium too (default: fetch them as plain HTML). */
    renderDetail: z.boolean({ error: 'expected true or false' }).default(false),
    /** The Chromium binary. @default $LIANXIN_CHROMIUM, else /usr/bin/chromium */
    chromiumPath: z.string({ error: 'expected a file path' }).min(1, { error: 'must not be empty' }).optional(),
    /** How long to wait for `waitFor` on a rendered page. @default 15000 */
    renderTimeoutMs: z.number({ error: 'expected milliseconds' }).int({ error: 'expected a whole number' }).min(100, { error: 'at least 100 ms' }).default(15_000),
  })
  .strict()

export type BrowserOptions = z.infer<typeof browserOptionsSchema>

/** A realistic block for the docs and `sources list`. */
export const exampleDescription = {
  list: { item: 'ul.list > li', link: 'a', date: 'span.date' },
  next: 'a:contains("下一页")',
  detail: { title: 'h1', body: '#content', date: '.pubdate', author: '.source' },
  maxPages: 5,
}
