import type { z } from 'zod'
import type { Source, SourceKind } from '../config/schema.js'
import type { CapturedPost } from '../store/posts.js'
import type { Fetcher, FetchResponse } from './fetcher.js'

/** A post as an adapter yields it; the runner adds the source id. */
export type ParsedPost = Omit<CapturedPost, 'sourceId'>

/** One unit of crawl progress: its posts and the scope's new cursor are stored in one transaction. */
export interface CrawlPage {
  /** Which cursor this page advances: `board:91001`, `feed`, `user:6000000001`… */
  scope: string
  posts: ParsedPost[]
  /** The scope's cursor after this page (opaque JSON for the adapter). */
  cursor: unknown
  /** The responses the posts were parsed from, kept compressed for re-parsing. */
  raw?: FetchResponse[]
}

export interface AdapterContext<O> {
  source: Source
  options: O
  /** The source's base URL (config `baseUrl`, else the adapter's default). */
  baseUrl: string
  fetcher: Fetcher
  /** The cursor stored for a scope at the last committed page. */
  checkpoint<C>(scope: string): Promise<C | undefined>
  /** Stop after this many list pages per scope (`crawl --max-pages`). */
  maxPages: number | undefined
  /** Progress notes for people. */
  log(message: string): void
  now(): Date
}

/**
 * One kind of source (RSSHub-style: one module per kind, one registry). An adapter declares the
 * options it needs (validated against the source's `options` in lianxin.yaml) and yields pages.
 */
export interface SourceAdapter<O = Record<string, unknown>> {
  kind: SourceKind
  summary: string
  /** The base URL used when a source does not set `baseUrl`. */
  defaultBaseUrl?: string
  /** Whether the source needs `url` (feeds, pages) rather than only `baseUrl`. */
  needsUrl?: boolean
  options: z.ZodType<O>
  /** An example `options` block, for `sources list` and the docs. */
  example: Record<string, unknown>
  crawl(ctx: AdapterContext<O>): AsyncIterable<CrawlPage>
}

/** Helper for adapters: typing without losing the options type. */
export function defineAdapter<O>(adapter: SourceAdapter<O>): SourceAdapter<O> {
  return adapter
}
