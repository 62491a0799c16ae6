import { Args, Flags } from '@oclif/core'
import { readFileSync } from 'node:fs'
import { BaseCommand } from '../src/cli/base-command.js'
import { loadConfig } from '../src/config/load.js'
import { UsageError } from '../src/errors.js'
import { explain, triage, type TriageResult } from '../src/triage/engine.js'
import { createEngine, defaultConfig } from '../src/triage/factory.js'

export type ClassifyResult = TriageResult

export default class Classify extends BaseCommand<typeof Classify> {
  static override summary = 'Triage one text: topic, urgency, place and owner, without storing anything.'
  static override description = `Reads the text from the argument, or from standard input with "-". The first line is taken as the title. Uses the topic model and the place names of lianxin.yaml when there is one, else the shipped 平房区 profile. --explain says why: the words behind the topic, the urgency cues that fired (and those negated), the place names found and the routing rule that chose the owner.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> "北厂文化小区暖气不热，家里只有十二度，老人冻病了"',
    'echo "碧水湾小区工地拖欠农民工工资三个月" | <%= config.bin %> <%= command.id %> - --explain',
    '<%= config.bin %> <%= command.id %> "如果再不修我们就去北京上访" --json',
  ]
  static override args = { text: Args.string({ description: 'The text, or - to read standard input.' }) }
  static override flags = {
    explain: Flags.boolean({ description: 'Say why this topic, urgency, appeal or not, and owner.' }),
    model: Flags.string({ description: 'Topic model file (default: the shipped classifiers/models/topic-default.json).' }),
  }

  public async run(): Promise<ClassifyResult> {
    const raw = this.args.text === '-' ? readFileSync(0, 'utf8') : this.args.text
    if (raw === undefined || raw.trim() === '') throw new UsageError('give the text to classify, or - to read it from standard input', { suggestions: ['lianxin classify "北厂文化小区没有路灯"'] })
    const loaded = await loadConfig({ flagPath: this.flags.config, required: false })
    const engine = await createEngine(loaded?.config ?? (await defaultConfig()), this.flags.model ? { modelPath: this.flags.model } : {})
    const [title, ...rest] = raw.trim().split('\n')
    const result = triage(engine, { title: title ?? '', body: rest.join('\n') }, new Date())
    this.log(`${result.topic.label} · ${result.urgency.level}${result.appeal.appeal ? '' : ' · 非诉求 (notice/news/thanks)'} · ${result.routing.lead.name}${result.routing.assist.length > 0 ? ` (+ ${result.routing.assist.map((a) => a.name).join('、')})` : ''}`)
    if (this.flags.explain) for (const line of explain(result)) this.log(line)
    return result
  }
}
