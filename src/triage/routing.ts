import type { LianxinConfig } from '../config/schema.js'
import type { PlaceResult } from './place.js'

export interface Owner {
  id: string
  name: string
  kind: 'zone' | 'department' | 'fallback'
}

export interface Routing {
  lead: Owner
  assist: Owner[]
  /** 0–1: the topic's score times the place's confidence (or its half, when the place is unknown). */
  confidence: number
  reasons: string[]
}

/**
 * "10+N": the zone where it happened leads, unless a department leads this topic (and serves the
 * zone); the departments that handle the topic assist; with no zone and no leading department,
 * the district's fallback owner (兜底) leads.
 */
export function route(config: LianxinConfig, topic: string, topicScore: number, place: PlaceResult): Routing {
  const serves = (zones: string[] | undefined) => !zones || !place.zoneId || zones.includes(place.zoneId)
  const reasons: string[] = []
  const leading = config.departments.find((d) => d.leads.includes(topic) && serves(d.zones))
  let lead: Owner
  if (leading) {
    lead = { id: leading.id, name: leading.name, kind: 'department' }
    reasons.push(`${leading.name} leads ${topic} (departments.${leading.id}.leads)`)
  } else if (place.zoneId) {
    lead = { id: place.zoneId, name: place.zoneName ?? place.zoneId, kind: 'zone' }
    reasons.push(`${lead.name} leads: the case is in its zone`)
  } else {
    lead = { id: config.fallback.id, name: config.fallback.name, kind: 'fallback' }
    reasons.push(`no leading department for ${topic} and no place found: the district fallback ${config.fallback.name} leads (兜底)`)
  }
  const assist: Owner[] = config.departments
    .filter((d) => d.id !== lead.id && d.topics.includes(topic) && serves(d.zones))
    .map((d) => ({ id: d.id, name: d.name, kind: 'department' as const }))
  if (leading && place.zoneId) {
    assist.unshift({ id: place.zoneId, name: place.zoneName ?? place.zoneId, kind: 'zone' })
    reasons.push(`${place.zoneName ?? place.zoneId} assists on the ground`)
  }
  if (assist.length > 0) reasons.push(`assisting: ${assist.map((a) => a.name).join('、')} (handle ${topic})`)
  const confidence = Math.round(topicScore * (place.zoneId ? Math.max(place.confidence, 0.5) : leading ? 0.8 : 0.5) * 100) / 100
  return { lead, assist, confidence, reasons }
}
