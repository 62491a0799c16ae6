import { describe, expect, it } from 'vitest'
import { createTokenizer, normaliseText, userWordsFromConfig } from '../../classifiers/tokenize.js'
import { parseConfig } from '../../src/config/load.js'
import { readFileSync } from 'node:fs'
import { packagePath } from '../../src/paths.js'

const config = parseConfig(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml')), 'pingfang.yaml')
const tokenizer = createTokenizer({ userWords: userWordsFromConfig(config) })

describe('tokenizer', () => {
  it('keeps every place and department name of the config whole', () => {
    const names = [
      ...config.zones.flatMap((z) => [z.name, ...z.communities.flatMap((c) => [c.name, ...c.estates])]),
      ...config.departments.flatMap((d) => [d.name, d.short]),
      config.fallback.name,
    ].filter((n) => n.length >= 2)
    for (const name of names) {
      const text = `我们${name}的问题一直没有解决`
      expect(tokenizer.cut(text), name).toContain(name.toLowerCase())
    }
  })

  it('keeps petition vocabulary whole and drops stop words and punctuation', () => {
    const tokens = tokenizer.tokens('北厂文化小区地下室返水，暖气不热！我们已经多次反映，再不解决就进京上访。')
    expect(tokens).toEqual(expect.arrayContaining(['北厂文化小区', '地下室返水', '暖气不热', '多次反映', '进京上访']))
    expect(tokens).not.toContain('，')
    expect(tokens).not.toContain('我们')
  })

  it('normalises full-width characters, HTML, entities, URLs and emoji', () => {
    expect(normaliseText('<p>１２３４５热线&nbsp;ＡＢＣ😡 https://m.weibo.cn/detail/1 平房区</p>')).toBe('12345热线 abc 平房区')
  })
})
