import type { LianxinConfig } from '../config/schema.js'

/** One mention of a known place in a post. */
export interface PlaceMatch {
  text: string
  kind: 'zone' | 'community' | 'estate'
  zoneId: string
  community: string | null
  /** Character offset in the text. */
  at: number
}

export interface PlaceResult {
  zoneId: string | null
  zoneName: string | null
  community: string | null
  /** 0–1: how sure the place is (an estate or a community is surer than a bare street name). */
  confidence: number
  matches: PlaceMatch[]
  reasons: string[]
}

interface Entry {
  kind: PlaceMatch['kind']
  zoneId: string
  community: string | null
}

const WEIGHT: Record<PlaceMatch['kind'], number> = { estate: 3, community: 2.5, zone: 1.5 }

/**
 * The district's gazetteer, built from the config: every zone name and alias, community and
 * estate, found in a text with one longest-first scan (names are matched as written, so a
 * community name wins over the shorter street alias inside it).
 */
export class Gazetteer {
  private readonly entries = new Map<string, Entry[]>()
  private readonly pattern: RegExp | undefined
  private readonly zoneNames = new Map<string, string>()

  constructor(config: LianxinConfig) {
    const add = (name: string, entry: Entry) => {
      const key = name.trim()
      if (key.length < 2) return
      const list = this.entries.get(key) ?? []
      list.push(entry)
      this.entries.set(key, list)
    }
    for (const zone of config.zones) {
      this.zoneNames.set(zone.id, zone.name)
      for (const name of [zone.name, ...zone.aliases]) add(name, { kind: 'zone', zoneId: zone.id, community: null })
      for (const c of zone.communities) {
        for (const name of [c.name, ...c.aliases]) add(name, { kind: 'community', zoneId: zone.id, community: c.name })
        for (const estate of c.estates) add(estate, { kind: 'estate', zoneId: zone.id, community: c.name })
      }
    }
    const names = [...this.entries.keys()].sort((a, b) => b.length - a.length).map(escape)
    this.pattern = names.length > 0 ? new RegExp(names.join('|'), 'gu') : undefined
  }

  /** Every place mentioned in the text. A name shared by two zones yields one match for each. */
  find(text: string): PlaceMatch[] {
    if (!this.pattern) return []
    const matches: PlaceMatch[] = []
    for (const m of text.matchAll(this.pattern)) {
      for (const entry of this.entries.get(m[0]) ?? []) matches.push({ text: m[0], ...entry, at: m.index })
    }
    return matches
  }

  /**
   * The zone and community a text is about: each mention votes for its zone with the weight of
   * its kind (estate 3, community 2.5, street/town 1.5; mentions in the title count double);
   * the zone with most votes wins, and confidence is its share, lowered when only a bare
   * street or town name was seen.
   */
  locate(title: string, body: string): PlaceResult {
    const matches = [...this.find(title).map((m) => ({ ...m, inTitle: true })), ...this.find(body).map((m) => ({ ...m, inTitle: false }))]
    if (matches.length === 0) {
      return { zoneId: null, zoneName: null, community: null, confidence: 0, matches: [], reasons: ['no street, town, community or estate of the district is named'] }
    }
    const votes = new Map<string, number>()
    const communityVotes = new Map<string, number>()
    for (const m of matches) {
      const w = WEIGHT[m.kind] * (m.inTitle ? 2 : 1)
      votes.set(m.zoneId, (votes.get(m.zoneId) ?? 0) + w)
      if (m.community) communityVotes.set(`${m.zoneId}\u0000${m.community}`, (communityVotes.get(`${m.zoneId}\u0000${m.community}`) ?? 0) + w)
    }
    const ranked = [...votes].sort((a, b) => b[1] - a[1])
    const [zoneId, best] = ranked[0]!
    const total = ranked.reduce((sum, [, v]) => sum + v, 0)
    const community =
      [...communityVotes]
        .filter(([k]) => k.startsWith(`${zoneId}\u0000`))
        .sort((a, b) => b[1] - a[1])[0]?.[0]
        .split('\u0000')[1] ?? null
    const specific = matches.some((m) => m.zoneId === zoneId && m.kind !== 'zone')
    const confidence = round((best / total) * (specific ? 1 : 0.7))
    const zoneName = this.zoneNames.get(zoneId) ?? zoneId
    const seen = [...new Set(matches.filter((m) => m.zoneId === zoneId).map((m) => `"${m.text}" (${m.kind})`))]
    const reasons = [`${zoneName}${community ? ` / ${community}` : ''}: ${seen.join(', ')}`]
    if (ranked.length > 1) reasons.push(`also named: ${ranked.slice(1).map(([z]) => this.zoneNames.get(z) ?? z).join(', ')}`)
    return { zoneId, zoneName, community, confidence, matches, reasons }
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function round(x: number): number {
  return Math.round(x * 100) / 100
}
