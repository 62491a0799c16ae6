/**
 * Board discovery by name. The fids of 黑龙江 / 哈尔滨 / 平房区 are not published (sources.md §1.5), so the
 * boards are looked up in the forum tree (`/v1/forum/getTopForums`, then `/v1/forum/getChildForums` of
 * the areas, the ones named in `region` or prefixing a wanted board first) and, failing that, in the
 * search results' `forumName`. Found fids are cached in the `boards` scope.
 */
import type { SignedApi } from './api.js'
import { num, str } from './parse.js'

/** Cursor of the `boards` scope: the fids found so far, by board name. */
export interface BoardsCursor {
  fids: Record<string, number>
}

/** A board to crawl. */
export interface Board {
  name: string
  fid: number
}

interface ForumRef {
  fid: number
  name: string
  /** An area (province, city, district) whose children may hold the board. */
  area: boolean
}

/** At most this many forum-tree requests per discovery. */
export const MAX_FORUM_REQUESTS = 40

/** The forums of a forum API's `resultData` (`forums`, `data` or `list`). */
export function forumsOf(data: Record<string, unknown>): ForumRef[] {
  const list = [data.forums, data.data, data.list].find(Array.isArray) ?? []
  const out: ForumRef[] = []
  for (const f of list) {
    if (typeof f !== 'object' || f === null) continue
    const rec = f as Record<string, unknown>
    const fid = num(rec.fid)
    const name = str(rec.name) ?? str(rec.forumName)
    if (fid === null || name === null) continue
    out.push({ fid, name, area: num(rec.forumType) !== 2 })
  }
  return out
}

export interface DiscoveryResult {
  found: Record<string, number>
  /** Every forum name seen, to suggest near misses. */
  seen: string[]
}

/**
 * Finds the fids of the named boards. With `region`, only the areas named there (or prefixing a wanted
 * board, e.g. 平房区 → 平房区委书记) are opened; without it, every area, those prefixing a wanted board first.
 */
export async function discoverBoards(api: SignedApi, names: readonly string[], region: readonly string[] | undefined, log: (m: string) => void): Promise<DiscoveryResult> {
  const found: Record<string, number> = {}
  const seen = new Map<number, string>()
  const queue: ForumRef[] = []
  const missing = () => names.filter((n) => found[n] === undefined)
  const priority = (f: ForumRef): number => (region?.includes(f.name) || names.some((n) => n !== f.name && n.startsWith(f.name)) ? 0 : 1)
  const consider = (forums: ForumRef[]) => {
    for (const f of forums) {
      if (names.includes(f.name) && found[f.name] === undefined) found[f.name] = f.fid
      if (seen.has(f.fid)) continue
      seen.set(f.fid, f.name)
      if (f.area && (region === undefined || priority(f) === 0)) queue.push(f)
    }
  }

  consider(forumsOf((await api.forums('/v1/forum/getTopForums', {})).data))
  let requests = 1
  while (missing().length > 0 && queue.length > 0 && requests < MAX_FORUM_REQUESTS) {
    const best = queue.reduce((b, f, i) => (priority(f) < priority(queue[b]!) ? i : b), 0)
    const [area] = queue.splice(best, 1)
    if (!area) break
    consider(forumsOf((await api.forums('/v1/forum/getChildForums', { fid: area.fid })).data))
    requests++
  }
  for (const name of missing()) {
    const hit = (await api.search(name)).find((t) => str(t.forumName) === name && num(t.fid) !== null)
    const fid = hit ? num(hit.fid) : null
    if (fid !== null) found[name] = fid
  }
  const got = Object.entries(found).map(([n, f]) => `${n}=${f}`)
  if (got.length > 0) log(`found boards ${got.join(', ')} (${requests} forum requests)`)
  return { found, seen: [...seen.values()] }
}

/** Forum names close to a board that was not found (same first two characters). */
export function nearMisses(name: string, seen: readonly string[]): string[] {
  const head = name.slice(0, 2)
  return [...new Set(seen.filter((s) => s !== name && s.startsWith(head)))].slice(0, 8)
}
