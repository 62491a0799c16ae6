/**
 * The reply check shown to approvers before they sign: what in a draft reply looks wrong. It only
 * informs: it never approves, rejects or blocks, and a clean result means "nothing obvious", not
 * "good". Rules follow GovInsight-AI's dimensions (relevance, completeness, timeliness, attitude)
 * and the bureau's practice (name the handling unit, give a contact, no harsh words, no personal
 * data in a public reply). See docs/signing.md.
 */
import { readFileSync } from 'node:fs'
import { createTokenizer, normaliseText, type Tokenizer } from '../../classifiers/tokenize.js'
import { packagePath } from '../paths.js'

export type FindingCode =
  | 'empty'
  | 'too-short'
  | 'question-unanswered'
  | 'question-no-date'
  | 'no-handling-unit'
  | 'no-contact'
  | 'taboo-phrase'
  | 'vague-promise'
  | 'placeholder'
  | 'personal-data'

export interface Finding {
  code: FindingCode
  /** `warning`: likely needs a fix; `info`: worth a look. */
  severity: 'warning' | 'info'
  /** For the approver: what looks wrong and what to do. */
  message: string
  /** The words concerned (a question of the citizen, the phrase in the reply, …). */
  excerpt?: string
}

export interface CheckReplyInput {
  /** The citizen's post. */
  post: { title: string; body: string }
  /** The draft reply text. */
  reply: string
}

export interface CheckReplyOptions {
  /** A tokenizer to reuse (e.g. one with the config's place names); one is built lazily otherwise. */
  tokenizer?: Tokenizer
  /** Taboo phrases; defaults to classifiers/lexicon/reply-taboo.txt. */
  taboo?: readonly string[]
}

/** Replies shorter than this (characters, whitespace not counted) get a warning. */
export const MIN_REPLY_LENGTH = 30

const QUESTION_WORDS = ['能否', '是否', '什么时候', '为什么', '怎么', '何时', '谁来', '可否', '能不能', '有没有', '多久', '哪个部门', '如何']
const WHEN_WORDS = ['什么时候', '何时', '多久', '几时', '哪天']
// Words of a question that say nothing about its subject.
const GENERIC = new Set(
  '请问 问 能否 是否 什么 时候 什么时候 为什么 怎么 怎么办 怎么样 何时 谁来 谁 可否 能不能 有没有 多久 如何 到底 究竟 还 还是 我们 我 你们 您 咱们 领导 政府 相关 部门 问题 解决 处理 一下 现在 一直 已经 希望 要求 说法 回复 答复 情况 反映 小区 居民 老百姓 给 能 会 要 管 没有 不 了'.split(
    ' ',
  ),
)
const UNIT = /\p{Script=Han}(?:局(?![面势部限促])|街道(?:办事处|办)?|办事处|中心|委员会|居委会|管委会|公司|派出所|大队|中队|办公室|人民政府|区政府|政府|社区|物业)/u
const PHONE = /(?<!\d)(?:0\d{2,3}[-－ ]?\d{7,8}|1[3-9]\d{9}|12345|\d{3,4}-\d{4})(?!\d)/
const CONTACT_WORDS = /联系人|联系电话|联系方式|咨询电话|电话|热线|地址|办公地点|窗口|来访/
const DATE =
  /\d{4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{1,2}\s*月(?:底|初|中旬|上旬|下旬|前|份)|[\d一二三四五六七八九十两]+\s*个?(?:工作日|日|天|周|星期|月)(?:内|之内|以内|前|后)|年底|年前|月底|本周|下周|本月|下月|今年|明年|节前|供暖期前|开学前|汛期前|\d{1,2}[:：]\d{2}/
const VAGUE = ['正在研究', '研究解决', '研究处理', '尽快解决', '尽快处理', '尽快落实', '尽快', '尽早', '适时', '择机', '近期', '抓紧', '争取早日', '逐步解决', '积极协调', '持续关注', '加大力度', '下一步']
const PLACEHOLDER = /[Xx×]{2,}|[○□]{2,}|【】|【[^】]{0,12}(?:填写|待定|待补|姓名|日期|单位|电话|时间)[^】]{0,12}】|\{\{[^}]*\}\}|\$\{[^}]*\}|此处填写|待补充|TODO/
const ID_NUMBER = /(?<!\d)\d{17}[\dXx](?!\d)/
const MOBILE = /(?<!\d)1[3-9]\d{9}(?!\d)/g

let sharedTokenizer: Tokenizer | undefined
let defaultTaboo: string[] | undefined

/** The phrases in `classifiers/lexicon/reply-taboo.txt`. */
export function tabooPhrases(): readonly string[] {
  defaultTaboo ??= readFileSync(packagePath('classifiers', 'lexicon', 'reply-taboo.txt'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
    .map(compact)
  return defaultTaboo
}

/**
 * Checks a draft reply against the citizen's post. Findings are ordered by rule; an empty reply
 * gives only the `empty` finding.
 */
export function checkReply(input: CheckReplyInput, options: CheckReplyOptions = {}): { findings: Finding[] } {
  const reply = input.reply
  const flat = compact(reply)
  if (flat === '') return { findings: [{ code: 'empty', severity: 'warning', message: 'the reply is empty; write the answer before asking for sign-off' }] }
  const findings: Finding[] = []
  const add = (code: FindingCode, severity: Finding['severity'], message: string, excerpt?: string) =>
    findings.push({ code, severity, message, ...(excerpt === undefined ? {} : { excerpt }) })

  const length = [...flat].length
  if (length < MIN_REPLY_LENGTH) {
    add('too-short', 'warning', `the reply has only ${length} characters; say what was found, what will be done, by whom and by when`)
  }

  const tokenizer = options.tokenizer ?? (sharedTokenizer ??= createTokenizer())
  const replyText = compact(normaliseText(reply))
  const hasDate = DATE.test(flat)
  for (const question of extractQuestions(`${input.post.title}\n${input.post.body}`)) {
    // Question words out first, so that "谁来管" leaves nothing to look for rather than one odd token.
    const subject = QUESTION_WORDS.reduce((q, w) => q.split(w).join(' '), question)
    const keywords = [...new Set(tokenizer.tokens(subject).filter((t) => [...t].length >= 2 && !GENERIC.has(t)))]
    if (keywords.length === 0) continue
    const hit = keywords.filter((k) => covers(replyText, k)).length
    if (hit === 0 || hit / keywords.length < 0.3) {
      add('question-unanswered', 'warning', `the citizen asked this and the reply does not seem to address it (none of: ${keywords.slice(0, 6).join('、')})`, question)
    } else if (WHEN_WORDS.some((w) => question.includes(w)) && !hasDate) {
      add('question-no-date', 'warning', 'the citizen asked when; the reply gives no date or time limit', question)
    }
  }

  if (!UNIT.test(flat)) add('no-handling-unit', 'warning', 'no handling unit is named (局, 街道办事处, 社区, 公司 …); say who is responsible')
  if (!PHONE.test(flat) && !CONTACT_WORDS.test(flat)) add('no-contact', 'info', 'no contact is given; add a contact person, phone number or office address')

  for (const { phrase, excerpt } of findPhrases(flat, options.taboo?.map(compact) ?? tabooPhrases())) {
    add('taboo-phrase', 'warning', `harsh or dismissive wording "${phrase}"; rephrase it politely (quote the citizen only if needed)`, excerpt)
  }
  if (!hasDate) {
    for (const { phrase, excerpt } of findPhrases(flat, VAGUE)) {
      add('vague-promise', 'warning', `"${phrase}" with no date; give a date or a time limit for the next step`, excerpt)
    }
  }

  const placeholder = PLACEHOLDER.exec(flat)
  if (placeholder) add('placeholder', 'warning', 'the reply still holds a template placeholder; fill it in', around(flat, placeholder.index, placeholder[0].length))

  const id = ID_NUMBER.exec(flat)
  if (id) add('personal-data', 'warning', `an ID card number (${mask(id[0])}) is in a public reply; remove it`)
  const postPhones = new Set(compact(`${input.post.title}${input.post.body}`).match(MOBILE) ?? [])
  for (const phone of new Set(flat.match(MOBILE) ?? [])) {
    if (postPhones.has(phone)) add('personal-data', 'warning', `the citizen's own phone number (${mask(phone)}) is in a public reply; remove it`)
  }
  return { findings }
}

/**
 * The citizen's questions: sentences ending in ？/? or holding a question word (能否, 是否,
 * 什么时候, 为什么, 怎么, 何时, 谁来 …), trimmed, without duplicates.
 */
export function extractQuestions(text: string): string[] {
  const sentences = text.match(/[^。！？!?；;\n]+[。！？!?；;]*/g) ?? []
  const questions = new Map<string, string>()
  for (const raw of sentences) {
    const sentence = raw.trim()
    const bare = sentence.replace(/[。！？!?；;\s]/g, '')
    if ([...bare].length < 3) continue
    if ((/[？?]/.test(sentence) || QUESTION_WORDS.some((w) => sentence.includes(w))) && !questions.has(bare)) questions.set(bare, sentence)
  }
  return [...questions.values()]
}

/** Whether the reply mentions the keyword, or for a long one, one of its two-character parts. */
function covers(replyText: string, keyword: string): boolean {
  if (replyText.includes(keyword)) return true
  const chars = [...keyword]
  if (chars.length < 3) return false
  for (let i = 0; i + 2 <= chars.length; i++) {
    const part = chars.slice(i, i + 2).join('')
    if (!GENERIC.has(part) && replyText.includes(part)) return true
  }
  return false
}

/** Non-overlapping hits, the longest phrase winning at each place. */
function findPhrases(text: string, phrases: readonly string[]): { phrase: string; excerpt: string }[] {
  const hits: { at: number; phrase: string }[] = []
  for (const phrase of [...new Set(phrases)].sort((a, b) => b.length - a.length)) {
    if (phrase === '') continue
    for (let at = text.indexOf(phrase); at >= 0; at = text.indexOf(phrase, at + phrase.length)) {
      if (!hits.some((h) => at < h.at + h.phrase.length && h.at < at + phrase.length)) hits.push({ at, phrase })
    }
  }
  return hits.sort((a, b) => a.at - b.at).map((h) => ({ phrase: h.phrase, excerpt: around(text, h.at, h.phrase.length) }))
}

function around(text: string, at: number, length: number): string {
  const start = Math.max(0, at - 10)
  const end = Math.min(text.length, at + length + 10)
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`
}

/** Whitespace removed and full-width folded (NFKC), so "无 理 取 闹" and "ＸＸ" are found. */
function compact(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, '')
}

function mask(digits: string): string {
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`
}
