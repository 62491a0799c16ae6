import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createTokenizer } from '../../classifiers/tokenize.js'
import { readLabelled } from '../../classifiers/linear/data.js'
import { crossValidate, metrics, stratifiedFolds } from '../../classifiers/linear/evaluate.js'
import { DEFAULT_FEATURES, bucket, countFeatures } from '../../classifiers/linear/features.js'
import { DEFAULT_MODEL_PATH, loadTopicModel } from '../../classifiers/linear/index.js'
import { LinearTopicModel } from '../../classifiers/linear/model.js'
import { runCli } from '../helpers/cli.js'

const tokenizer = createTokenizer()
const dir = mkdtempSync(join(tmpdir(), 'lianxin-linear-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const heating = ['暖气不热，家里只有十五度', '供暖温度不达标，屋里冷', '小区停暖三天了没人管', '暖气片冰凉，供热公司不来修', '室温太低，老人冻感冒了']
const wages = ['工地拖欠农民工工资半年', '老板跑了，工资一直不给', '讨薪无门，包工头失联', '欠我们三个月工资不发', '农民工工资被拖欠，过年回不了家']
const docs = [...heating.map((text) => ({ text, label: '供暖与公用事业' })), ...wages.map((text) => ({ text, label: '劳动和社会保障' }))]

describe('linear topic model', () => {
  it('separates the classes it was trained on and explains with the words that decided', () => {
    const model = LinearTopicModel.train(tokenizer, docs)
    const p = model.predict('我家暖气不热，屋里太冷了')
    expect(p.label).toBe('供暖与公用事业')
    expect(p.score).toBeGreaterThan(0.5)
    expect(p.evidence.length).toBeGreaterThan(0)
    expect(model.predict('包工头拖欠工资跑路了').label).toBe('劳动和社会保障')
  })

  it('hashes each feature incrementally into the same bucket as its name', () => {
    const v = countFeatures(tokenizer, '北厂文化小区暖气不热，拖欠工资 abc123', DEFAULT_FEATURES, undefined, true)
    expect(v.names!.size).toBeGreaterThan(10)
    for (const [b, name] of v.names!) expect(bucket(name, DEFAULT_FEATURES.buckets - 1), name).toBe(b)
  })

  it('round-trips through its file with identical predictions', async () => {
    const model = LinearTopicModel.train(tokenizer, docs)
    const file = join(dir, 'm.json')
    await model.save(file)
    const loaded = await LinearTopicModel.load(file, tokenizer)
    for (const text of ['暖气不热', '工资不发', '什么也不是']) expect(loaded.predict(text)).toEqual(model.predict(text))
  })

  it('makes stratified, deterministic folds and computes metrics by hand', () => {
    const folds = stratifiedFolds(docs, 5)
    expect(folds).toEqual(stratifiedFolds(docs, 5))
    for (let f = 0; f < 5; f++) expect(docs.filter((_, i) => folds[i] === f).map((d) => d.label).sort()).toEqual(['供暖与公用事业', '劳动和社会保障'])
    const m = metrics(['a', 'a', 'b', 'b'], ['a', 'b', 'b', 'b'])
    expect(m.accuracy).toBe(0.75)
    expect(m.perClass.a).toEqual({ precision: 1, recall: 0.5, f1: 0.667, support: 2 })
    expect(m.perClass.b).toEqual({ precision: 0.667, recall: 1, f1: 0.8, support: 2 })
    expect(m.macroF1).toBe(0.733)
    expect(m.confusion.a).toEqual({ a: 1, b: 1 })
    expect(crossValidate(tokenizer, docs, 5).documents).toBe(docs.length)
  })

  it('reads JSONL and CSV, and names the file, line and field when something is wrong', async () => {
    const jsonl = join(dir, 'd.jsonl')
    writeFileSync(jsonl, '{"title":"暖气","body":"不热","label":"供暖"}\n{"title":"工资","label":"劳动"}\n')
    expect(await readLabelled([jsonl], { text: ['title', 'body'], label: 'label' })).toEqual([
      { text: '暖气\n不热', label: '供暖' },
      { text: '工资', label: '劳动' },
    ])
    const csv = join(dir, 'd.csv')
    writeFileSync(csv, 'title,body,label\n"暖气, 不热","屋里""冷""",供暖\n')
    expect(await readLabelled([csv], { text: ['title', 'body'], label: 'label' })).toEqual([{ text: '暖气, 不热\n屋里"冷"', label: '供暖' }])
    writeFileSync(jsonl, '{"title":"暖气","label":"供暖"}\n{"title":"x"}\n')
    await expect(readLabelled([jsonl], { text: ['title'], label: 'label' })).rejects.toThrow(/d\.jsonl:2: no "label"/)
    writeFileSync(jsonl, '{"title":"暖气","label":"供暖"}\nnot json\n')
    await expect(readLabelled([jsonl], { text: ['title'], label: 'label' })).rejects.toThrow(/d\.jsonl:2: not a JSON object/)
  })

  it('ships a default model, trained on the project corpus, that gets obvious posts right', async () => {
    const model = await loadTopicModel(DEFAULT_MODEL_PATH, tokenizer)
    const topic = (text: string) => model.predict(text, tokenizer.tokens(text)).label
    expect(topic('小区暖气不热，家里只有十四度')).toBe('供暖与公用事业')
    expect(topic('工地拖欠农民工工资三个月不给')).toBe('劳动和社会保障')
    expect(topic('孩子入学报名，学区划分不合理')).toBe('教育文体')
    expect(topic('公交车班次太少，等车一个小时')).toBe('交通运输')
  })

  it('trains and evaluates through the CLI', async () => {
    const data = join(dir, 'train.jsonl')
    writeFileSync(data, docs.map((d) => JSON.stringify({ title: d.text, label: d.label })).join('\n'))
    const out = join(dir, 'cli-model.json')
    const train = await runCli(['model', 'train', '--data', data, '--text', 'title', '--out', out, '--json'], { cwd: dir })
    expect(train.code, train.stderr).toBe(0)
    expect(train.json()).toMatchObject({ documents: 10 })
    const evaluated = await runCli(['model', 'eval', '--data', data, '--text', 'title', '--model', out, '--json'], { cwd: dir })
    expect(evaluated.json()).toMatchObject({ accuracy: 1, macroF1: 1 })
    expect(Object.keys(evaluated.json<{ perClass: object }>().perClass)).toHaveLength(2)
    const classify = await runCli(['classify', '北厂文化小区暖气不热，家里只有十二度', '--explain', '--json'], { cwd: dir })
    expect(classify.code, classify.stderr).toBe(0)
    expect(classify.json()).toMatchObject({ topic: { label: '供暖与公用事业' }, place: { zoneId: 'xingjian' } })
  })
})
