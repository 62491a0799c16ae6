import { describe, expect, it } from 'vitest'
import { checkReply, extractQuestions, tabooPhrases, type FindingCode } from '../../src/replies/check.js'

const HEAT = {
  title: '北厂文化小区暖气不热什么时候能解决？',
  body: '我家住3栋2单元，室温只有14度，老人孩子都冻感冒了，已经反映三次了。供热公司为什么不派人来看？能否退还部分采暖费？',
}
const HEAT_GOOD =
  '您好！您反映的北厂文化小区3栋暖气不热问题，平房区住房和城乡建设局已责成平房供热有限公司处理。供热公司于12月5日派人入户检测，发现单元阀门堵塞，已于12月6日更换，现室温已达19度。' +
  '关于退还采暖费，按照《哈尔滨市城市供热办法》，室温不达标期间可按日退费，供热公司将于12月20日前核算并退还。如有疑问，请联系供热公司客服王工，电话0451-86501234。'
const NOISE = {
  title: '友协大街夜间施工噪音扰民',
  body: '工地每天晚上11点以后还在施工，噪音很大，根本睡不着。夜间施工有没有审批？谁来管？',
}
const NOISE_GOOD =
  '您好，经平房区城市管理局执法人员12月3日夜间现场核查，该工地未取得夜间施工审批，已责令其晚22时至次日6时停止施工，并将持续夜查。联系电话：0451-86809999（区城管局执法大队）。'

type Case = [name: string, post: { title: string; body: string }, reply: string, present: FindingCode[], absent?: FindingCode[]]
const cases: Case[] = [
  ['a complete answer to every question', HEAT, HEAT_GOOD, [], ['question-unanswered', 'question-no-date', 'no-handling-unit', 'no-contact', 'taboo-phrase', 'vague-promise']],
  ['a complete answer to a noise complaint', NOISE, NOISE_GOOD, [], ['question-unanswered', 'no-handling-unit', 'no-contact', 'taboo-phrase', 'vague-promise', 'personal-data']],
  ['an empty reply', HEAT, '', ['empty'], ['too-short', 'no-contact']],
  ['a reply of spaces and line breaks', HEAT, ' \n\u3000 ', ['empty']],
  ['a one-line hand-off', HEAT, '已转相关部门处理。', ['too-short', 'no-handling-unit', 'no-contact']],
  ['the refund question left out', HEAT, HEAT_GOOD.replace(/关于退还采暖费.*?退还。/, ''), ['question-unanswered']],
  ['"when" answered with no date', HEAT, '您好！您反映的北厂文化小区暖气不热问题，平房供热有限公司将尽力处理，供热公司会派人入户查看，关于采暖费退还问题请咨询供热公司。联系电话0451-86501234。', ['question-no-date']],
  ['blaming the citizen', HEAT, `经核实，您反映的问题纯属无理取闹。${HEAT_GOOD}`, ['taboo-phrase']],
  ['fobbing off: not our job', NOISE, '此事不归我们管，爱找谁找谁。夜间施工审批请您自行联系平房区住房和城乡建设局，电话0451-86801111。', ['taboo-phrase']],
  ['impatience hidden by spaces', NOISE, `${NOISE_GOOD}这个问题已 经 说 过 很 多 次了。`, ['taboo-phrase']],
  ['dodges with no date', NOISE, '您好，您反映的友协大街工地夜间施工噪音问题，平房区城市管理局正在研究，将尽快解决夜间施工审批问题。联系电话0451-86809999。', ['vague-promise']],
  ['"尽快" with a date is fine', NOISE, '您好，友协大街工地夜间施工审批问题，平房区城市管理局将尽快处理，12月10日前完成夜查整改，噪音问题同步解决。联系电话0451-86809999。', [], ['vague-promise']],
  ['no handling unit named', NOISE, '您好，经12月3日夜间现场核查，该工地未取得夜间施工审批，已责令晚22时后停止施工，噪音问题将持续跟踪。联系电话0451-86809999。', ['no-handling-unit'], ['no-contact']],
  ['no contact given', NOISE, NOISE_GOOD.replace(/联系电话.*$/, ''), ['no-contact'], ['no-handling-unit']],
  ['a template placeholder left in', HEAT, HEAT_GOOD.replace('王工', 'XX').replace('0451-86501234', '【电话】'), ['placeholder']],
  ['an ID card number in a public reply', HEAT, `${HEAT_GOOD}经核实，业主（身份证号230108198507121234）已办理退费登记。`, ['personal-data']],
  ['the citizen\'s own mobile repeated', { ...NOISE, body: `${NOISE.body}我的电话13945671234。` }, `${NOISE_GOOD}执法人员已通过13945671234与您联系。`, ['personal-data']],
  ['a statement without questions', { title: '感谢平房区城管局', body: '友协大街的违建已经拆除了，谢谢你们。' }, '感谢您对平房区城市管理局工作的支持，我们将继续做好市容环境管理工作。咨询电话0451-86809999。', [], ['question-unanswered']],
  ['one of two topics answered', { title: '垃圾清运和噪音', body: '小区垃圾站为什么三天不清运？楼下烧烤店油烟扰民谁来管？' }, '您好，平房区城市管理局已通知环卫公司，自12月4日起垃圾站每日清运两次。联系电话0451-86809999。', ['question-unanswered']],
]

describe('checkReply', () => {
  it.each(cases)('%s', (_name, post, reply, present, absent = []) => {
    const codes = checkReply({ post, reply }).findings.map((f) => f.code)
    for (const code of present) expect(codes, `expected ${code} in ${codes.join(',')}`).toContain(code)
    for (const code of absent) expect(codes, `did not expect ${code}`).not.toContain(code)
    if (present.length === 0) expect(codes.filter((c) => !['no-contact'].includes(c)), codes.join(',')).toEqual([])
  })

  it('shows the question and the harsh phrase in context', () => {
    const { findings } = checkReply({ post: { title: '垃圾清运和噪音', body: '楼下烧烤店油烟扰民谁来管？' }, reply: `经核实，您这是瞎投诉。${NOISE_GOOD}` })
    expect(findings).toContainEqual(expect.objectContaining({ code: 'question-unanswered', excerpt: '楼下烧烤店油烟扰民谁来管？' }))
    const taboo = findings.find((f) => f.code === 'taboo-phrase')
    expect(taboo).toMatchObject({ severity: 'warning', message: expect.stringContaining('瞎投诉') })
    expect(taboo?.excerpt).toContain('您这是瞎投诉')
  })

  it('reports an overlapping phrase once, the longest', () => {
    const findings = checkReply({ post: HEAT, reply: `${HEAT_GOOD}不要胡说八道。` }, { taboo: ['胡说', '胡说八道'] }).findings.filter((f) => f.code === 'taboo-phrase')
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('胡说八道')])
  })

  it('masks personal data in its messages', () => {
    const f = checkReply({ post: HEAT, reply: `${HEAT_GOOD}身份证号230108198507121234` }).findings.find((x) => x.code === 'personal-data')
    expect(f?.message).toContain('230****1234')
    expect(JSON.stringify(f)).not.toContain('230108198507121234')
  })
})

describe('extractQuestions', () => {
  it('finds sentences ending in ？/? or holding a question word', () => {
    expect(extractQuestions('暖气什么时候能热\n室温只有14度。供热公司为什么不来？能否退费；我们等了很久! Is it legal?')).toEqual([
      '暖气什么时候能热',
      '供热公司为什么不来？',
      '能否退费；',
      'Is it legal?',
    ])
  })
  it('drops duplicates and fragments', () => {
    expect(extractQuestions('谁来管？谁来管？？吗？')).toEqual(['谁来管？'])
  })
})

describe('the taboo list', () => {
  it('holds the bureau examples and no comments or blanks', () => {
    const list = tabooPhrases()
    for (const p of ['瞎投诉', '无理取闹', '不归我们管', '爱找谁找谁', '已经说过很多次']) expect(list).toContain(p)
    expect(list.every((p) => p !== '' && !p.includes('#') && !/\s/.test(p))).toBe(true)
  })
})
