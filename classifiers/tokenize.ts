import { readFileSync } from 'node:fs'
import { Jieba } from '@node-rs/jieba'
import { dict } from '@node-rs/jieba/dict.js'
import type { LianxinConfig } from '../src/config/schema.js'
import { packagePath } from '../src/paths.js'

/** A word jieba must keep whole: place names, department names, petition vocabulary. */
export interface UserWord {
  word: string
  /** jieba frequency; high enough to beat the default dictionary's splits. @default 200000 */
  freq?: number
  /** Part-of-speech tag: `ns` place, `nt` organisation, `n` noun… */
  tag?: string
}

export interface Tokenizer {
  /** Normalised text: full-width → half-width (NFKC), HTML, URLs and emoji removed, spaces collapsed. */
  normalise(text: string): string
  /** Every jieba token of the normalised text, punctuation and stop words included. */
  cut(text: string): string[]
  /** Content words: normalised (unless `normalised` says it already is), cut, without stop words, punctuation and whitespace. */
  tokens(text: string, normalised?: boolean): string[]
}

let baseDict: Uint8Array | undefined

/**
 * Builds a jieba tokenizer (`@node-rs/jieba`, HMM off so that user words are never re-split)
 * with the default dictionary, the petition vocabulary in `classifiers/lexicon/` and the given
 * user words (from {@link userWordsFromConfig}).
 */
export function createTokenizer(options: { userWords?: UserWord[]; stopwords?: ReadonlySet<string> } = {}): Tokenizer {
  baseDict ??= dict
  const jieba = Jieba.withDict(baseDict)
  const words = [...petitionVocabulary(), ...(options.userWords ?? [])]
  if (words.length > 0) jieba.loadDict(Buffer.from(words.map(dictLine).join('\n')))
  const stop = options.stopwords ?? stopwords()
  const normalise = normaliseText
  return {
    normalise,
    cut: (text) => jieba.cut(normalise(text), false),
    tokens: (text, normalised = false) => jieba.cut(normalised ? text : normalise(text), false).filter((t) => isContentToken(t, stop)),
  }
}

function dictLine(w: UserWord): string {
  // jieba's dictionary format is "word freq tag"; a word must not contain spaces.
  return `${w.word.replace(/\s+/g, '')} ${w.freq ?? 200_000} ${w.tag ?? 'n'}`
}

const URL_RE = /\bhttps?:\/\/[^\s<>"'，。）)]+/giu
const TAG_RE = /<[^>]*>/g
const ENTITY_RE = /&(?:#(\d+)|#x([0-9a-f]+)|(nbsp|amp|lt|gt|quot|apos));/gi
// Pictographs, regional indicators, and the variation selector and joiner that glue emoji together.
const EMOJI_RE = /\p{Extended_Pictographic}|[\u{1F1E6}-\u{1F1FF}]|\u{FE0F}|\u{200D}/gu
const NAMED: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** Full-width → half-width (NFKC), HTML tags and entities, URLs and emoji removed, spaces collapsed. */
export function normaliseText(text: string): string {
  return text
    .replace(TAG_RE, ' ')
    .replace(ENTITY_RE, (_, dec: string | undefined, hex: string | undefined, name: string | undefined) =>
      dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : (NAMED[name!.toLowerCase()] ?? ' '),
    )
    .normalize('NFKC')
    .replace(URL_RE, ' ')
    .replace(EMOJI_RE, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
}

function isContentToken(token: string, stop: ReadonlySet<string>): boolean {
  if (token.trim() === '' || stop.has(token)) return false
  return /[\p{L}\p{N}]/u.test(token)
}

let cachedStopwords: Set<string> | undefined
let cachedVocabulary: UserWord[] | undefined

/** The stop words in `classifiers/lexicon/stopwords.txt` (one per line, `#` comments). */
export function stopwords(): ReadonlySet<string> {
  cachedStopwords ??= new Set(readLines('stopwords.txt'))
  return cachedStopwords
}

/** The petition vocabulary in `classifiers/lexicon/petition-words.txt` ("word [freq] [tag]"). */
export function petitionVocabulary(): UserWord[] {
  cachedVocabulary ??= readLines('petition-words.txt').map((line) => {
    const [word, freq, tag] = line.split(/\s+/)
    return { word: word!, ...(freq ? { freq: Number(freq) } : {}), ...(tag ? { tag } : {}) }
  })
  return cachedVocabulary
}

function readLines(file: string): string[] {
  return readFileSync(packagePath('classifiers', 'lexicon', file), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
}

/**
 * The config's places and organisations as jieba user words, so that 北厂文化小区 or
 * 平房区城市管理局 come out as one token: zones and their aliases, communities, estates and
 * landmarks, departments (full and short names, aliases) and the fallback owner.
 */
export function userWordsFromConfig(config: LianxinConfig): UserWord[] {
  const words: UserWord[] = []
  const add = (word: string, tag: string) => {
    if (word.trim().length >= 2) words.push({ word, tag })
  }
  for (const zone of config.zones) {
    add(zone.name, 'ns')
    for (const alias of zone.aliases) add(alias, 'ns')
    for (const community of zone.communities) {
      add(community.name, 'ns')
      for (const alias of community.aliases) add(alias, 'ns')
      for (const estate of community.estates) add(estate, 'ns')
    }
  }
  for (const dept of config.departments) {
    add(dept.name, 'nt')
    add(dept.short, 'nt')
    for (const alias of dept.aliases) add(alias, 'nt')
  }
  add(config.fallback.name, 'nt')
  return words
}
