import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/errors.js'
import {
  DEFAULT_LEXICON_PATH,
  createUrgencyScorer,
  loadUrgencyLexicon,
  parseUrgencyLexicon,
  scoreUrgency,
  type UrgencyHistory,
  type UrgencyLevel,
  type UrgencyResult,
} from '../../classifiers/urgency/index.js'

const lexicon = loadUrgencyLexicon()

// Dates in Harbin time. JULY and AUG: no heating season, far from the Spring Festival (2027-02-06).
const JULY = new Date('2026-07-15T10:00:00+08:00')
const AUG = new Date('2026-08-15T10:00:00+08:00')
const SEPT = new Date('2026-09-20T10:00:00+08:00')
const NOV = new Date('2026-11-20T10:00:00+08:00') // heating season, 78 days before 春节
const JAN = new Date('2027-01-10T10:00:00+08:00') // heating season
const SF20 = new Date('2027-01-17T10:00:00+08:00') // 20 days before 春节 2027-02-06
const SF_AFTER = new Date('2027-02-10T10:00:00+08:00') // 4 days after 春节

type Kind = 'danger' | 'threat' | 'mass' | 'vulnerable' | 'seasonal' | 'wages' | 'escalation' | 'negation' | 'hypothetical' | 'question' | 'normal' | 'history' | 'edge'

interface Case {
  kind: Kind
  text: string
  level: UrgencyLevel
  /** Groups that must add to the score. */
  fires?: string[]
  /** Groups that must add nothing (absent, or negated to 0). */
  silent?: string[]
  now?: Date
  history?: UrgencyHistory
  /** Some cue's note must match. */
  note?: RegExp
}

const LONG_FILLER = '尊敬的领导您好，我是平房区的一名普通居民，想反映一下我们小区的情况。'.repeat(400)

const cases: Case[] = [
  // ---- danger to life and safety -------------------------------------------------------------
  { kind: 'danger', text: '兴建街道新华小区5号楼地下室着火了，浓烟滚滚，请马上派人！', level: '特急', fires: ['life_safety'] },
  { kind: 'danger', text: '友协小区3号楼2单元楼道里一股很大的煤气味，打了燃气公司电话没人接', level: '特急', fires: ['life_safety'] },
  { kind: 'danger', text: '保国小区12号楼外墙出现一条很长的裂缝，楼体裂缝从三楼一直到六楼，住户都很害怕', level: '紧急', fires: ['life_safety'] },
  { kind: 'danger', text: '东轻家属区的老平房房顶塌了一半，屋里还住着一位孤寡老人', level: '特急', fires: ['life_safety', 'vulnerable'] },
  { kind: 'danger', text: '平乐小区路边电线杆倒了，电线掉在地上，刚才有个孩子差点触电', level: '特急', fires: ['life_safety', 'vulnerable'] },
  { kind: 'danger', text: '碧水湾小区门口的水泡子没有围栏，今天有个孩子落水了，幸亏被路人救上来', level: '特急', fires: ['life_safety'] },
  { kind: 'danger', text: '联盟小区电梯困人半个多小时，物业电话打不通，里面有老人', level: '特急', fires: ['life_safety', 'vulnerable'] },
  { kind: 'danger', text: '新疆大街小区6号楼有一户人家煤气中毒，已经送医院了', level: '特急', fires: ['life_safety'] },
  { kind: 'danger', text: '锦华小区楼下的井盖缺失，仅用一块木板盖着，已有老人踩空扭伤脚', level: '紧急', fires: ['life_safety'] },
  { kind: 'danger', text: '工农小区配电箱漏电，雨天走过去手都发麻', level: '紧急', fires: ['life_safety'] },
  { kind: 'danger', text: '哈飞家属区楼顶的广告牌被风吹得摇摇欲坠，下面就是人行道，非常危险', level: '紧急', fires: ['life_safety'] },
  { kind: 'danger', text: '建安小区一户居民家中起火，消防车已经到了', level: '特急', fires: ['life_safety'] },
  // ---- threats of suicide and violence -------------------------------------------------------
  { kind: 'threat', text: '欠我的钱两年了一分不给，我实在是不想活了', level: '特急', fires: ['self_harm'] },
  { kind: 'threat', text: '拆迁补偿不给够，大不了跟他们同归于尽', level: '特急', fires: ['violence'] },
  { kind: 'threat', text: '物业经理带人拿刀威胁业主，现在还在小区门口', level: '特急', fires: ['violence'] },
  { kind: 'threat', text: '星海小区楼下商户经常殴打来收费的物业人员', level: '紧急', fires: ['violence'] },
  { kind: 'threat', text: '跳楼价清仓！平房区某超市全场五折', level: '一般', silent: ['self_harm'] },
  // ---- mass incidents ------------------------------------------------------------------------
  { kind: 'mass', text: '哈南工业新城产业园门口聚集了上百名工人，拉横幅讨薪', level: '特急', fires: ['mass', 'wages'] },
  { kind: 'mass', text: '开发区第一社区几十个业主堵在售楼处门口要说法', level: '紧急', fires: ['mass'] },
  { kind: 'mass', text: '友谊小区业主在区政府门口静坐，要求解决办证问题', level: '紧急', fires: ['mass'] },
  { kind: 'mass', text: '上百人把友协大街堵路了，车都过不去', level: '特急', fires: ['mass'] },
  // ---- vulnerable people ---------------------------------------------------------------------
  { kind: 'vulnerable', text: '我是文化小区的独居老人，腿脚不好，想问问社区能不能帮忙办理高龄补贴', level: '一般', fires: ['vulnerable'] },
  { kind: 'vulnerable', text: '家里有瘫痪在床的老母亲，停电两天了，制氧机没法用', level: '紧急', fires: ['vulnerable', 'utilities'] },
  { kind: 'vulnerable', text: '爱人癌症晚期，家里还有个刚出生的婴儿，孕妇补贴迟迟办不下来', level: '一般', fires: ['vulnerable'] },
  { kind: 'vulnerable', text: '独居老人家里停暖，室温只有10度', level: '特急', fires: ['vulnerable', 'utilities'], now: JAN },
  // ---- loss of heating, water, power: the same text in January and in July --------------------
  { kind: 'seasonal', text: '红旗小区停暖三天了，屋里冷得不行', level: '紧急', fires: ['utilities'], now: JAN, note: /heating season ×1\.5/ },
  { kind: 'seasonal', text: '红旗小区停暖三天了，屋里冷得不行', level: '一般', fires: ['utilities'], now: JULY },
  { kind: 'seasonal', text: '新伟小区整栋楼停电一天了，也没个通知', level: '紧急', fires: ['utilities'], now: JAN },
  { kind: 'seasonal', text: '新伟小区整栋楼停电一天了，也没个通知', level: '一般', fires: ['utilities'], now: JULY },
  { kind: 'seasonal', text: '东安小区突然停水，到现在还没来水', level: '紧急', fires: ['utilities'], now: NOV },
  { kind: 'seasonal', text: '东安小区突然停水，到现在还没来水', level: '一般', fires: ['utilities'], now: AUG },
  { kind: 'seasonal', text: '兴建小区供暖不达标，室内只有16度', level: '紧急', fires: ['utilities'], now: JAN },
  { kind: 'seasonal', text: '暖气管道爆裂，家里跑水了，水都漫到楼下了', level: '紧急', fires: ['utilities'], now: JAN },
  { kind: 'seasonal', text: '保国小区7号楼暖气不热，屋里才十二度，老人冻病了', level: '特急', fires: ['utilities', 'vulnerable'], now: JAN },
  { kind: 'seasonal', text: '家里温度不到18度，暖气片摸着温乎', level: '一般', fires: ['utilities'], now: JAN },
  // ---- unpaid wages: 20 days before 春节 and in August -----------------------------------------
  { kind: 'wages', text: '我们在绿地广告园干了一年活，包工头拖欠工资不给，眼看要过年了', level: '紧急', fires: ['wages'], now: SF20, note: /before Spring Festival ×1\.5/ },
  { kind: 'wages', text: '我们在绿地广告园干了一年活，包工头拖欠工资不给，眼看要过年了', level: '一般', fires: ['wages'], now: AUG },
  { kind: 'wages', text: '我们在绿地广告园干了一年活，包工头拖欠工资不给，眼看要过年了', level: '一般', fires: ['wages'], now: SF_AFTER },
  { kind: 'wages', text: '碧水湾小区工地拖欠农民工工资，二十多个工人讨薪无门', level: '紧急', fires: ['wages'], now: SF20 },
  { kind: 'wages', text: '中米微型产业园欠薪三个月', level: '紧急', fires: ['wages'], now: SF20 },
  // ---- escalation signals --------------------------------------------------------------------
  { kind: 'escalation', text: '北厂文化小区地下室返水，我们多次反映无果，再不解决就找媒体曝光', level: '紧急', fires: ['escalation'] },
  { kind: 'escalation', text: '这事已经反映了半年没人管，我准备进京上访', level: '紧急', fires: ['escalation'] },
  { kind: 'escalation', text: '宝融福园漏雨的问题打了十几次12345都不了了之', level: '一般', fires: ['escalation'] },
  { kind: 'escalation', text: '再这样下去我们就越级上访', level: '紧急', fires: ['escalation'] },
  { kind: 'escalation', text: '进京上访、找记者、媒体曝光，我们什么都试过了', level: '紧急', fires: ['escalation'], note: /group cap 7/ },
  { kind: 'escalation', text: '几十个业主约好明天进京上访', level: '特急', fires: ['escalation', 'mass'] },
  // ---- negation ------------------------------------------------------------------------------
  { kind: 'negation', text: '经现场核查，新华小区楼道没有发现燃气泄漏，无人员伤亡', level: '一般', silent: ['life_safety'], note: /negated/ },
  { kind: 'negation', text: '平乐小区那个地下室已经排查过了，不存在安全隐患', level: '一般', silent: ['life_safety'] },
  { kind: 'negation', text: '没有危险，大家不用担心', level: '一般', silent: ['life_safety'] },
  { kind: 'negation', text: '我们楼里并没有煤气味，是楼下饭店排油烟的味道', level: '一般', silent: ['life_safety'] },
  { kind: 'negation', text: '物业说电梯里没有被困的人，只是停了一会', level: '一般', silent: ['life_safety'] },
  { kind: 'negation', text: '这栋楼不是危房，只是外墙皮有点脱落', level: '一般', silent: ['life_safety'] },
  { kind: 'negation', text: '家里暖气挺热的，没有停暖，就是想问问供暖费怎么交', level: '一般', silent: ['utilities'], now: JAN },
  { kind: 'negation', text: '孩子没有受伤，但是井盖还是得赶紧补上', level: '一般', silent: ['life_safety'] },
  { kind: 'negation', text: '经消防部门检查，已排除燃气泄漏的可能', level: '一般', silent: ['life_safety'] },
  { kind: 'negation', text: '这次没发生群体性事件，但居民情绪很大', level: '一般', silent: ['mass'] },
  { kind: 'negation', text: '他就是发发牢骚，不是要轻生', level: '一般', silent: ['self_harm'] },
  { kind: 'negation', text: '我们不想越级上访，只希望街道给个答复', level: '一般', silent: ['escalation'] },
  { kind: 'negation', text: '公司不存在拖欠工资的情况，工资每月按时发', level: '一般', silent: ['wages'], now: SF20 },
  { kind: 'negation', text: '现场查看，并无漏电现象', level: '一般', silent: ['life_safety'] },
  { kind: 'negation', text: '楼体未见裂缝，住户可以放心', level: '一般', silent: ['life_safety'] },
  { kind: 'negation', text: '该小区目前暂无停水停电情况', level: '一般', silent: ['utilities'], now: JAN },
  { kind: 'negation', text: '家里没有老人孩子，就是房子漏雨', level: '一般', silent: ['vulnerable'] },
  // A negator in another clause, or before a title/body break, does not negate.
  { kind: 'negation', text: '没有人来修，现在楼道着火了', level: '特急', fires: ['life_safety'] },
  { kind: 'negation', text: '没有回复 楼道里冒烟了', level: '紧急', fires: ['life_safety'] },
  { kind: 'negation', text: '不少独居老人家里暖气不热', level: '紧急', fires: ['vulnerable', 'utilities'], now: JAN },
  { kind: 'negation', text: '楼道里不断冒烟，呛得人受不了', level: '紧急', fires: ['life_safety'] },
  { kind: 'negation', text: '没人来修结果着火了', level: '特急', fires: ['life_safety'] },
  { kind: 'negation', text: '线路老化不及时处理就会着火', level: '紧急', fires: ['life_safety'], note: /hypothetical/ },
  { kind: 'negation', text: '没人受伤，但是楼体裂缝很大', level: '紧急', fires: ['life_safety'], note: /negated/ },
  // ---- hypotheticals and conditionals --------------------------------------------------------
  { kind: 'hypothetical', text: '万一哪天燃气泄漏了，后果不堪设想', level: '紧急', fires: ['life_safety'], note: /hypothetical ×0\.5/ },
  { kind: 'hypothetical', text: '楼道里堆满杂物，一旦发生火灾，人都跑不出去', level: '紧急', fires: ['life_safety'] },
  { kind: 'hypothetical', text: '担心房子哪天会倒塌', level: '紧急', fires: ['life_safety'] },
  { kind: 'hypothetical', text: '电线私拉乱接，怕引起火灾', level: '紧急', fires: ['life_safety'] },
  { kind: 'hypothetical', text: '请尽快清理积水，以免发生危险', level: '一般', fires: ['life_safety'] },
  { kind: 'hypothetical', text: '如果再不修我们就去北京上访', level: '紧急', fires: ['escalation'], note: /conditional/ },
  { kind: 'hypothetical', text: '再不解决就找媒体', level: '紧急', fires: ['escalation'] },
  { kind: 'hypothetical', text: '要是年前还拿不到工资，我们就去区政府拉横幅', level: '紧急', fires: ['wages', 'mass'], now: SF20 },
  { kind: 'hypothetical', text: '怕年底又拿不到工资', level: '一般', fires: ['wages'], now: SF20 },
  { kind: 'hypothetical', text: '假如冬天还是不供暖，老人孩子怎么过', level: '一般', fires: ['utilities'], now: SEPT },
  { kind: 'hypothetical', text: '再拖下去，我就死给你们看', level: '特急', fires: ['self_harm'] },
  { kind: 'hypothetical', text: '如果明天还不给钱，我就和老板同归于尽', level: '特急', fires: ['violence'] },
  { kind: 'hypothetical', text: '再不解决我就从哈南新城那个楼上跳下去', level: '特急', fires: ['self_harm', 'escalation'] },
  { kind: 'hypothetical', text: '防止冬季水管冻裂，请提前做好保温', level: '一般', fires: ['utilities'], now: NOV },
  { kind: 'hypothetical', text: '担心死了。楼下着火了！', level: '特急', fires: ['life_safety'] },
  { kind: 'hypothetical', text: '明天早上要是还不来暖气，全楼的人就去堵路', level: '紧急', fires: ['mass', 'utilities'], now: NOV },
  // ---- questions -----------------------------------------------------------------------------
  { kind: 'question', text: '请问我们小区的老楼是否存在安全隐患？', level: '一般', fires: ['life_safety'], note: /question ×0\.5/ },
  { kind: 'question', text: '楼道里的电线有漏电的危险吗？', level: '一般', fires: ['life_safety'] },
  { kind: 'question', text: '会不会发生燃气泄漏？小区的燃气管道锈得厉害', level: '紧急', fires: ['life_safety'] },
  { kind: 'question', text: '暖气什么时候能热？我们已经冻得睡不着了', level: '紧急', fires: ['utilities'], now: JAN },
  { kind: 'question', text: '到底有没有人管？小区门口的垃圾堆了一个月了', level: '一般', fires: ['escalation'] },
  // ---- ordinary posts ------------------------------------------------------------------------
  { kind: 'normal', text: '北厂文化小区一到晚上漆黑一片，路灯坏了快半年了，老人孩子出门全靠手机照亮，没人管吗？@平房发布', level: '一般', fires: ['escalation', 'vulnerable'] },
  { kind: 'normal', text: '宝融福园小区顶楼漏雨多年无人维修，墙皮大片脱落', level: '一般', silent: ['life_safety'] },
  { kind: 'normal', text: '建议在新疆大街增设一个公交站点，方便哈飞家属区居民出行', level: '一般' },
  { kind: 'normal', text: '碧水湾垃圾分类站气味太大，能不能挪远一点', level: '一般' },
  { kind: 'normal', text: '平房镇征地养老保险的问题想咨询一下', level: '一般' },
  { kind: 'normal', text: '孩子入学的学位问题想咨询一下', level: '一般' },
  { kind: 'normal', text: '感谢兴建街道为我们解决了路灯问题，点赞！', level: '一般' },
  { kind: 'normal', text: '锅炉房烟囱冒烟，小区里全是煤灰', level: '一般', silent: ['life_safety'] },
  // ---- repeat posting ------------------------------------------------------------------------
  { kind: 'history', text: '小区门口的垃圾一直没人清理', level: '一般' },
  { kind: 'history', text: '小区门口的垃圾一直没人清理', level: '紧急', fires: ['history'], history: { sameAuthor: 3 } },
  { kind: 'history', text: '小区门口的垃圾一直没人清理', level: '一般', fires: ['history'], history: { sameAuthor: 1 } },
  { kind: 'history', text: '北厂文化小区地下室返水', level: '一般', fires: ['history'], history: { samePlace: 5 } },
  { kind: 'history', text: '北厂文化小区地下室返水', level: '紧急', fires: ['history'], history: { sameAuthor: 2, samePlace: 4 } },
  { kind: 'history', text: '北厂文化小区地下室返水', level: '一般', silent: ['history'], history: { sameAuthor: 0, samePlace: 2 } },
  { kind: 'history', text: '暖气不热', level: '特急', fires: ['utilities', 'history'], now: JAN, history: { sameAuthor: 3 } },
  // ---- edge cases ----------------------------------------------------------------------------
  { kind: 'edge', text: '', level: '一般' },
  { kind: 'edge', text: '？？？！！！', level: '一般' },
  { kind: 'edge', text: `${LONG_FILLER}今天楼道着火了！`, level: '特急', fires: ['life_safety'] },
  { kind: 'edge', text: LONG_FILLER, level: '一般' },
  { kind: 'edge', text: 'ＸＸ小区燃气泄漏！！！快来人（３号楼）', level: '特急', fires: ['life_safety'] },
  { kind: 'edge', text: '燃　气　泄　漏', level: '特急', fires: ['life_safety'] },
  { kind: 'edge', text: '楼 道 着 火 了', level: '特急', fires: ['life_safety'] },
  { kind: 'edge', text: '<p>小区<b>煤气</b>味很大</p>', level: '特急', fires: ['life_safety'] },
  { kind: 'edge', text: '着🔥火了，快来人', level: '特急', fires: ['life_safety'] },
  { kind: 'edge', text: '着火了着火了着火了！', level: '特急', fires: ['life_safety'] },
  { kind: 'edge', text: '室温只有１２℃，孩子冻得直哭', level: '紧急', fires: ['utilities', 'vulnerable'], now: JAN },
]

function describeResult(r: UrgencyResult): string {
  return `${r.level} ${r.score}: ${r.cues.map((c) => `${c.group}/${c.cue} ${c.weight}${c.note ? ` (${c.note})` : ''}`).join('; ')}`
}

describe('scoreUrgency: labelled posts', () => {
  it('has enough cases of each kind', () => {
    const count = (kind: Kind) => cases.filter((c) => c.kind === kind).length
    expect(cases.length).toBeGreaterThanOrEqual(80)
    expect(count('negation')).toBeGreaterThanOrEqual(15)
    expect(count('hypothetical')).toBeGreaterThanOrEqual(10)
  })

  it.each(cases.map((c, i) => ({ ...c, name: `${String(i + 1).padStart(3, '0')} ${c.kind} ${c.level}: ${c.text.slice(0, 32)}` })))('$name', (c) => {
    const r = scoreUrgency(c.text, { lexicon, now: c.now ?? JULY, ...(c.history ? { history: c.history } : {}) })
    const why = describeResult(r)
    expect(r.level, why).toBe(c.level)
    const fired = new Set(r.cues.filter((cue) => cue.weight > 0).map((cue) => cue.group))
    for (const group of c.fires ?? []) expect(fired.has(group), `${group} should fire: ${why}`).toBe(true)
    for (const group of c.silent ?? []) expect(fired.has(group), `${group} should not fire: ${why}`).toBe(false)
    if (c.note) expect(r.cues.some((cue) => c.note!.test(cue.note ?? '')), `a note matching ${c.note}: ${why}`).toBe(true)
    // The cue weights are the score, and positions point at the normalised text.
    expect(r.cues.reduce((sum, cue) => sum + cue.weight, 0)).toBeCloseTo(r.score, 6)
  })

  it('fires every group on the examples written in the lexicon', () => {
    for (const [key, group] of Object.entries(lexicon.data.groups)) {
      for (const example of group.examples) {
        const r = scoreUrgency(example, { lexicon, now: JULY })
        expect(r.cues.some((c) => c.group === key && c.weight > 0), `${key}: ${example} → ${describeResult(r)}`).toBe(true)
      }
    }
  })

  it('reports positions in the normalised text', () => {
    const r = scoreUrgency('<p>北厂 文化小区</p>  燃 气 泄 漏', { lexicon, now: JULY })
    const cue = r.cues.find((c) => c.cue === '燃气泄漏')
    expect(cue?.position).toBe('北厂 文化小区 燃 气 泄 漏'.indexOf('燃'))
  })
})

describe('scoreUrgency: determinism and speed', () => {
  it('gives the same result every time, with a fresh lexicon too', () => {
    const again = loadUrgencyLexicon()
    const scorer = createUrgencyScorer(again)
    for (const c of cases) {
      const options = { now: c.now ?? JULY, ...(c.history ? { history: c.history } : {}) }
      const first = scoreUrgency(c.text, { lexicon, ...options })
      expect(scoreUrgency(c.text, { lexicon, ...options })).toEqual(first)
      expect(scorer(c.text, options)).toEqual(first)
    }
  })

  it('scores typical posts quickly', () => {
    const posts = cases.filter((c) => c.text.length < 200).map((c) => c.text)
    const rounds = 200
    const start = performance.now()
    for (let r = 0; r < rounds; r++) for (const text of posts) scoreUrgency(text, { lexicon, now: JAN })
    const perSecond = (posts.length * rounds) / ((performance.now() - start) / 1000)
    // ≥ 50k/s on an idle core; the bound is lower so that a busy shared machine does not fail it.
    expect(perSecond).toBeGreaterThan(10_000)
  })
})

describe('loadUrgencyLexicon', () => {
  const shipped = readFileSync(DEFAULT_LEXICON_PATH, 'utf8')
  const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length

  it('loads the shipped lexicon', () => {
    expect(Object.keys(lexicon.data.groups)).toEqual(expect.arrayContaining(['life_safety', 'self_harm', 'violence', 'mass', 'vulnerable', 'utilities', 'wages', 'escalation']))
    expect(lexicon.data.springFestival.dates).toEqual(expect.arrayContaining(['2026-02-17', '2027-02-06', '2028-01-26', '2029-02-13', '2030-02-03']))
    expect(lexicon.data.levels.特急).toBeGreaterThan(lexicon.data.levels.紧急)
  })

  /** Each case breaks the shipped file one way; `line` finds the line the error must name. */
  const broken: Array<{ name: string; from: string; to: string; path: string; message: RegExp; line?: (text: string) => number }> = [
    { name: 'an unknown key', from: '    hypothetical: 0.5   # “万一着火”', to: '    hypothetic: 0.5   # “万一着火”', path: 'groups.life_safety.hypothetic', message: /unknown key "hypothetic" \(allowed here: .*hypothetical/, line: (t) => lineOf(t, 'hypothetic:') },
    { name: 'a weight that is not a number', from: '      - 冒烟: 5', to: '      - 冒烟: 很高', path: `groups.life_safety.cues[${lexicon.data.groups.life_safety?.cues.findIndex((c) => typeof c === 'object' && '冒烟' in c)}]`, message: /invalid/i, line: (t) => lineOf(t, '冒烟: 很高') },
    { name: 'a phrase listed twice', from: '      - 停电\n', to: '      - 停电\n      - 着火\n', path: 'groups.utilities.cues', message: /"着火" is listed twice.*first defined at line \d+/, line: (t) => lineOf(t, '      - 停电\n      - 着火') + 1 },
    { name: '特急 below 紧急', from: '  特急: 8', to: '  特急: 3', path: 'levels', message: /特急 must be above 紧急/, line: (t) => lineOf(t, '  特急: 3') },
    { name: 'a Spring Festival date that does not exist', from: '"2027-02-06"', to: '"2027-02-30"', path: 'springFestival.dates[2]', message: /not a real date/, line: (t) => lineOf(t, '"2027-02-30"') },
    { name: 'a season for an unknown group', from: '    groups: [utilities]', to: '    groups: [heating]', path: 'seasons[0].groups[0]', message: /unknown group "heating"/, line: (t) => lineOf(t, 'groups: [heating]') },
    { name: 'a YAML syntax error', from: '  紧急: 4', to: '  紧急: [4', path: '', message: /YAML syntax/ },
  ]

  it.each(broken)('names the key and line of $name', ({ from, to, path, message, line }) => {
    expect(shipped).toContain(from)
    const text = shipped.replace(from, to)
    let error: unknown
    try {
      parseUrgencyLexicon(text, 'lexicon.yaml')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const msg = (error as ConfigError).message
    expect(msg).toMatch(message)
    expect(msg).toContain(path)
    expect(msg).toMatch(line === undefined ? /lexicon\.yaml:\d+:\d+/ : new RegExp(`lexicon\\.yaml:${line(text)}:\\d+`))
  })

  it('says so when the file cannot be read', () => {
    expect(() => loadUrgencyLexicon('/nonexistent/lexicon.yaml')).toThrow(/cannot read the urgency lexicon/)
  })
})
