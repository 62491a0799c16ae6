import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Corpus, selfMediaTexts } from '../../fixtures/replica/content/corpus.js'
import { createAppealScorer, DEFAULT_APPEAL_LEXICON_PATH, parseAppealLexicon } from '../../classifiers/appeal/index.js'
import { ConfigError } from '../../src/errors.js'

const score = createAppealScorer()

describe('appeal: does a self-media post carry a citizen’s appeal?', () => {
  it.each([
    // text, appeal?, a cue that must have fired
    ['网友爆料：兴建小区楼顶盖起了“空中别墅”，城管管不管？', true, '网友爆料'],
    ['新疆大街这垃圾堆了11天了，环卫呢？？', true, '环卫呢'],
    ['幸福里小区停水了有人知道咋回事吗？一点通知没有[费解]', true, '一点通知没有'],
    ['尊敬的领导：我是友协家园的业主，小区地下室返水严重，希望有关部门尽快解决。', true, '希望'],
    ['平房今天初雪啦[雪人] 出门注意防滑，开车的朋友慢点！#平房大小事#', false, '初雪'],
    ['【停水通知】因管线改造，保国小区明日8:00至18:00停水，请居民提前做好储水准备，敬请谅解。', false, '通知'],
    ['【寻物】有人在碧水湾小区门口捡到一串钥匙，失主请私信。', false, '失主'],
    ['#百姓谈# 给哈南社区的网格员点赞！哈南人才公寓的问题一周就解决了[赞]', false, '点赞'],
  ] as const)('%s → %s', (text, appeal, cue) => {
    const result = score(text)
    expect(result.appeal).toBe(appeal)
    expect(result.cues.map((c) => c.cue)).toContain(cue)
    // The weights of the cues are the score.
    expect(result.cues.reduce((sum, c) => sum + c.weight, 0)).toBeCloseTo(result.score, 5)
  })

  it('counts the longest phrase at each place only, each phrase once, and keeps groups within their caps', () => {
    // “一点通知没有” is a complaint about a missing notice, not a notice.
    expect(score('一点通知没有').cues).toEqual([{ group: 'problem', cue: '一点通知没有', weight: 1.5 }])
    const many = score('希望 希望 请求 恳请 解决 督促 呼吁')
    expect(many.cues.filter((c) => c.cue === '希望')).toHaveLength(1)
    expect(many.score).toBe(4) // the request group's cap
    expect(score('ＨＴＭＬ<b>网友</b>爆料').cues.map((c) => c.cue)).toEqual(['网友爆料'])
  })

  it('finds the appeals among the replica’s self-media posts and leaves most of its notices out', () => {
    const corpus = new Corpus()
    for (let i = 0; i < 30; i++) corpus.advance(3)
    const items = selfMediaTexts(corpus)
    const issues = items.filter((i) => i.issue)
    const notices = items.filter((i) => !i.issue)
    expect(issues.length).toBeGreaterThan(100)
    expect(notices.length).toBeGreaterThan(30)
    const recall = issues.filter((i) => score(i.text).appeal).length / issues.length
    const rejected = notices.filter((i) => !score(i.text).appeal).length / notices.length
    expect(recall).toBeGreaterThanOrEqual(0.97)
    expect(rejected).toBeGreaterThanOrEqual(0.75)
  })

  it('refuses a broken lexicon with the key path and line of each problem', () => {
    const text = readFileSync(DEFAULT_APPEAL_LEXICON_PATH, 'utf8')
      .replace('threshold: -1.5', 'threshold: lots')
      .replace('      - 网友投稿\n', '      - 网友爆料\n')
    let error: unknown
    try {
      parseAppealLexicon(text, 'lexicon.yaml')
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    const lineOf = (needle: string, nth = 0) => text.split('\n').map((l, i) => [l, i + 1] as const).filter(([l]) => l.includes(needle))[nth]![1]
    expect(message).toMatch(new RegExp(`lexicon\\.yaml:${lineOf('threshold: lots')}:\\d+\\s+threshold: expected a number`))
    expect(message).toMatch(new RegExp(`lexicon\\.yaml:${lineOf('- 网友爆料', 1)}:\\d+\\s+groups\\.relay\\.cues\\[1\\]: "网友爆料" is listed twice; each phrase may appear once \\(first defined at line ${lineOf('- 网友爆料')}\\)`))
  })
})
