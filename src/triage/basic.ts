import type { LianxinConfig } from '../config/schema.js'

/**
 * A first, deliberately simple triage: topic by keywords, place by the config's gazetteer,
 * "10+N" routing from the config's map. The jieba-based triage (issue #4) replaces it.
 */
export interface BasicTriage {
  topic: string
  urgency: '特急' | '紧急' | '一般'
  cues: string[]
  zoneId: string | null
  community: string | null
  lead: string
  assist: string[]
  reasons: string[]
}

const TOPIC_KEYWORDS: Record<string, string[]> = {
  城乡建设: ['路灯', '道路', '拆迁', '物业', '漏雨', '违建', '施工', '小区', '房屋', '地下室', '返水', '井盖'],
  环境保护: ['垃圾', '异味', '气味', '噪音', '污染', '排污', '粉尘', '油烟'],
  交通运输: ['公交', '班车', '红绿灯', '停车', '拥堵', '车站', '线路'],
  教育文体: ['学校', '入学', '幼儿园', '学位', '教师', '补课'],
  劳动和社会保障: ['工资', '欠薪', '拖欠', '社保', '养老保险', '农民工', '失业'],
  商贸旅游: ['商户', '价格', '市场', '超市', '消费', '景区'],
  卫生计生: ['医院', '诊所', '医保', '疫苗', '卫生院', '看病'],
  供暖与公用事业: ['供暖', '暖气', '不热', '停水', '停电', '燃气', '自来水'],
}

const URGENT_CUES: Array<[string, '特急' | '紧急']> = [
  ['煤气味', '特急'],
  ['燃气泄漏', '特急'],
  ['着火', '特急'],
  ['坍塌', '特急'],
  ['轻生', '特急'],
  ['独居老人', '紧急'],
  ['进京', '紧急'],
  ['越级上访', '紧急'],
  ['聚集', '紧急'],
  ['堵路', '紧急'],
  ['多次反映', '紧急'],
]

export function basicTriage(config: LianxinConfig, text: string): BasicTriage {
  const reasons: string[] = []
  const topicNames = new Set(config.topics.map((t) => t.name))
  let topic = topicNames.has('其他') ? '其他' : (config.topics.at(-1)?.name ?? '其他')
  let best = 0
  for (const [name, words] of Object.entries(TOPIC_KEYWORDS)) {
    if (!topicNames.has(name)) continue
    const hits = words.filter((w) => text.includes(w))
    if (hits.length > best) {
      best = hits.length
      topic = name
      reasons.splice(0, reasons.length, `topic ${name}: keywords ${hits.join('、')}`)
    }
  }
  if (best === 0) reasons.push(`topic ${topic}: no topic keyword found`)

  const cues = URGENT_CUES.filter(([cue]) => text.includes(cue))
  const urgency = cues.some(([, level]) => level === '特急') ? '特急' : cues.length > 0 ? '紧急' : '一般'

  let zoneId: string | null = null
  let community: string | null = null
  for (const zone of config.zones) {
    for (const c of zone.communities) {
      const names = [c.name, ...c.aliases, ...c.estates]
      const hit = names.find((n) => text.includes(n))
      if (hit) {
        zoneId = zone.id
        community = c.name
        reasons.push(`place: "${hit}" is in ${c.name}, ${zone.name}`)
        break
      }
    }
    if (zoneId) break
    const hit = [zone.name, ...zone.aliases].find((n) => text.includes(n))
    if (hit) {
      zoneId = zone.id
      reasons.push(`place: "${hit}" names ${zone.name}`)
      break
    }
  }

  const leading = config.departments.find((d) => d.leads.includes(topic))
  const lead = leading?.id ?? zoneId ?? config.fallback.id
  if (leading) reasons.push(`lead: ${leading.name} leads ${topic}`)
  else if (zoneId) reasons.push(`lead: the zone where it happened`)
  else reasons.push(`lead: no place found, so the district fallback ${config.fallback.name} (兜底)`)
  const assist = config.departments
    .filter((d) => d.id !== lead && d.topics.includes(topic) && (!d.zones || !zoneId || d.zones.includes(zoneId)))
    .map((d) => d.id)
  return { topic, urgency, cues: cues.map(([cue]) => cue), zoneId, community, lead, assist, reasons }
}
