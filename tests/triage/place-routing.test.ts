import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config/load.js'
import { packagePath } from '../../src/paths.js'
import { Gazetteer } from '../../src/triage/place.js'
import { route } from '../../src/triage/routing.js'

const config = parseConfig(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml')), 'pingfang.yaml')
const gazetteer = new Gazetteer(config)

describe('place', () => {
  it('finds the community and street from an estate name', () => {
    const place = gazetteer.locate('北厂文化小区没有路灯', '晚上出门很危险')
    expect(place).toMatchObject({ zoneId: 'xingjian', zoneName: '兴建街道', community: '和平社区' })
    expect(place.confidence).toBe(1)
    expect(place.reasons[0]).toMatch(/北厂文化小区/)
  })

  it('is less sure with only a street name, and sure of nothing without a place', () => {
    const street = gazetteer.locate('保国街道的路太破了', '')
    expect(street.zoneId).toBe('baoguo')
    expect(street.community).toBeNull()
    expect(street.confidence).toBeLessThan(1)
    expect(gazetteer.locate('暖气不热', '家里只有十五度')).toMatchObject({ zoneId: null, confidence: 0 })
  })

  it('lets the title and the more specific mention win when several zones are named', () => {
    const place = gazetteer.locate('宝融福园小区房屋漏雨', '我以前住在保国街道，现在搬到兴建这边')
    expect(place.zoneId).toBe('xingjian')
    expect(place.reasons.join(' ')).toMatch(/also named: 保国街道/)
  })
})

describe('10+N routing', () => {
  const at = (title: string) => gazetteer.locate(title, '')

  it('gives the lead to the zone where it happened and the topic\'s departments assist', () => {
    const r = route(config, '城乡建设', 0.9, at('北厂文化小区路灯不亮'))
    expect(r.lead).toEqual({ id: 'xingjian', name: '兴建街道', kind: 'zone' })
    const handlers = config.departments.filter((d) => d.topics.includes('城乡建设') && !d.leads.includes('城乡建设')).map((d) => d.id)
    expect(r.assist.map((a) => a.id).sort()).toEqual(handlers.filter((id) => !config.departments.find((d) => d.id === id)?.zones || config.departments.find((d) => d.id === id)?.zones?.includes('xingjian')).sort())
    expect(r.confidence).toBeCloseTo(0.9)
  })

  it('gives the lead to the department that leads the topic, with the zone assisting', () => {
    const leader = config.departments.find((d) => d.leads.includes('劳动和社会保障'))!
    const r = route(config, '劳动和社会保障', 0.8, at('碧水湾小区工地拖欠农民工工资'))
    expect(r.lead).toMatchObject({ id: leader.id, kind: 'department' })
    expect(r.assist[0]?.kind).toBe('zone')
    expect(r.reasons[0]).toMatch(/leads 劳动和社会保障/)
  })

  it('falls back to the district owner (兜底) with no place and no leading department', () => {
    const r = route(config, '城乡建设', 0.7, at('路灯坏了'))
    expect(r.lead).toEqual({ id: config.fallback.id, name: config.fallback.name, kind: 'fallback' })
    expect(r.reasons.join(' ')).toMatch(/兜底/)
    expect(r.confidence).toBeCloseTo(0.35)
  })

  it('keeps departments to the zones they serve', () => {
    const limited = config.departments.find((d) => d.zones && d.zones.length > 0)!
    const topic = limited.topics[0]!
    const outside = config.zones.find((z) => !limited.zones!.includes(z.id))!
    const r = route(config, topic, 1, gazetteer.locate(outside.name, ''))
    expect([r.lead.id, ...r.assist.map((a) => a.id)]).not.toContain(limited.id)
  })
})
