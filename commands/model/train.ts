import { Flags } from '@oclif/core'
import { BaseCommand } from '../../src/cli/base-command.js'
import { loadConfig } from '../../src/config/load.js'
import { trainModel, type TrainResult } from '../../src/triage/model.js'

export type ModelTrainResult = TrainResult

export default class ModelTrain extends BaseCommand<typeof ModelTrain> {
  static override summary = "Train a topic model on the bureau's own labelled posts."
  static override description = `Reads JSONL or CSV files, joins the --text fields into the text and takes the --label field as the topic, and trains the TF-IDF + softmax model (jieba words and bigrams, character bigrams). Use the result with --model on triage and classify, or set it as the default by copying it over classifiers/models/topic-default.json.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --data tickets-2025.jsonl --text title,body --label topic --out models/bureau.json',
    '<%= config.bin %> <%= command.id %> --data a.csv --data b.csv --text 留言主题,留言详情 --label 一级标签 --out model.json --json',
  ]
  static override flags = {
    data: Flags.string({ description: 'A labelled JSONL or CSV file; may be repeated.', multiple: true, required: true }),
    text: Flags.string({ description: 'Comma-separated fields that make the text.', default: 'title,body' }),
    label: Flags.string({ description: 'The label field.', default: 'label' }),
    out: Flags.string({ description: 'Where to write the model.', required: true }),
  }

  public async run(): Promise<ModelTrainResult> {
    const loaded = await loadConfig({ flagPath: this.flags.config, required: false })
    this.progress('training…')
    const result = await trainModel(this.flags.data, { text: this.flags.text.split(','), label: this.flags.label }, this.flags.out, loaded?.config)
    this.log(`trained on ${result.documents} posts in ${result.trainMs} ms: ${Object.entries(result.labels).map(([l, n]) => `${l} ${n}`).join(', ')}`)
    this.log(`wrote ${result.out}`)
    return result
  }
}
