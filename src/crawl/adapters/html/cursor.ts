/**
 * What the `list` scope of an html/browser source remembers between runs, and the rules that
 * keep a walk over list pages incremental and crash-safe.
 *
 * A walk goes from the first list page towards older pages. Finished walks leave the detail
 * URLs they stored in `seen`; the next walk stops at the first list page whose items are all
 * known. A walk that has not finished (killed, `--max-pages`) is kept in `walk`: its URLs and
 * the list page it had reached. The next run reads the first pages again (new items appear
 * there), then goes back to `walk.resume` and on until it meets the items of a finished walk
 * or the end of the list, so nothing between is skipped.
 */

/** Detail URLs kept from finished walks. */
export const SEEN_LIMIT = 500
/** Detail URLs kept from an unfinished walk. */
export const WALK_LIMIT = 5000
/** Skipped items kept for people to see. */
export const SKIPPED_LIMIT = 100

export interface SkippedItem {
  url: string
  /** `robots` (robots.txt disallows it), `gone` (HTTP 404/410). */
  reason: string
}

export interface ListCursor {
  /** Detail URLs (normalised) stored by finished walks, newest first. */
  seen: string[]
  /** The unfinished walk, if any. */
  walk: { seen: string[]; resume: string } | null
  /** Items not stored, and why; tried again whenever their list page is read. */
  skipped: SkippedItem[]
  /** The newest publication time stored. */
  newest: string | null
}

/** The cursor of a run: what is known, and what this run adds. */
export class WalkState {
  private readonly settled: Set<string>
  private readonly walked: Set<string>
  private readonly walkSeen: string[]
  private readonly skipped = new Map<string, string>()
  private newest: string | null
  /** Where the unfinished walk had got to (null when the last walk finished). */
  readonly resume: string | null

  constructor(private readonly previous: ListCursor) {
    this.settled = new Set(previous.seen)
    this.walkSeen = [...(previous.walk?.seen ?? [])]
    this.walked = new Set(this.walkSeen)
    this.resume = previous.walk?.resume ?? null
    for (const s of previous.skipped) this.skipped.set(s.url, s.reason)
    this.newest = previous.newest
  }

  /** Reads a stored cursor, tolerating absent or older shapes. */
  static from(stored: unknown): WalkState {
    const c = (typeof stored === 'object' && stored !== null ? stored : {}) as Partial<ListCursor>
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])
    const walk = c.walk && typeof c.walk.resume === 'string' ? { seen: strings(c.walk.seen), resume: c.walk.resume } : null
    const skipped = Array.isArray(c.skipped) ? c.skipped.filter((s): s is SkippedItem => typeof s?.url === 'string' && typeof s.reason === 'string') : []
    return new WalkState({ seen: strings(c.seen), walk, skipped, newest: typeof c.newest === 'string' ? c.newest : null })
  }

  /** Stored by a finished walk or by this unfinished one. */
  isStored(id: string): boolean {
    return this.settled.has(id) || this.walked.has(id)
  }

  /** Stored by a finished walk. */
  isSettled(id: string): boolean {
    return this.settled.has(id)
  }

  /** Stored, or skipped for a reason: nothing more to do for the walk's sake. */
  isKnown(id: string): boolean {
    return this.isStored(id) || this.skipped.has(id)
  }

  stored(id: string, publishedAt: string | null): void {
    this.skipped.delete(id)
    if (!this.walked.has(id)) {
      this.walked.add(id)
      this.walkSeen.push(id)
    }
    if (publishedAt !== null && (this.newest === null || publishedAt > this.newest)) this.newest = publishedAt
  }

  skip(id: string, reason: string): void {
    this.skipped.set(id, reason)
  }

  /** The cursor to commit with a list page: finished, or still walking from `resume`. */
  cursor(done: boolean, resume: string): ListCursor {
    const skipped = [...this.skipped].slice(-SKIPPED_LIMIT).map(([url, reason]) => ({ url, reason }))
    if (done) {
      const seen = [...new Set([...this.walkSeen, ...this.previous.seen])].slice(0, SEEN_LIMIT)
      return { seen, walk: null, skipped, newest: this.newest }
    }
    return { seen: this.previous.seen, walk: { seen: this.walkSeen.slice(0, WALK_LIMIT), resume }, skipped, newest: this.newest }
  }
}
