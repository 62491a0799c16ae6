import { Flags } from '@oclif/core'
import { BaseCommand } from '../../src/cli/base-command.js'
import { loadConfig } from '../../src/config/load.js'
import { evaluateModel } from '../../src/triage/model.js'
import type { Evaluation } from '../../classifiers/linear/evaluate.js'

export type ModelEvalResult = Evaluation

export default class ModelEval extends BaseCommand<typeof ModelEval> {
  static override summary = 'Measure a topic model: accuracy, macro-F1, per-class scores, confusion matrix.'
  static override description = `With --model, scores that model on the labelled files. Without it, runs stratified K-fold cross-validation of a new model on them (deterministic folds).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --data classifiers/corpus/pingfang-topics.jsonl --folds 5',
    '<%= config.bin %> <%= command.id %> --data held-out.jsonl --model models/bureau.json --json',
  ]
  static override flags = {
    data: Flags.string({ description: 'A labelled JSONL or CSV file; may be repeated.', multiple: true, required: true }),
    text: Flags.string({ description: 'Comma-separated fields that make the text.', default: 'title,body' }),
    label: Flags.string({ description: 'The label field.', default: 'label' }),
    model: Flags.string({ description: 'A model file to score (default: cross-validate a new model).' }),
    folds: Flags.integer({ description: 'Folds for cross-validation.', default: 5, min: 2 }),
  }

  public async run(): Promise<ModelEvalResult> {
    const loaded = await loadConfig({ flagPath: this.flags.config, required: false })
    const result = await evaluateModel(
      this.flags.data,
      { text: this.flags.text.split(','), label: this.flags.label },
      { ...(this.flags.model ? { model: this.flags.model } : {}), folds: this.flags.folds },
      loaded?.config,
    )
    this.log(`${result.documents} posts${result.folds ? `, ${result.folds}-fold CV` : ''}: accuracy ${result.accuracy}, macro-F1 ${result.macroF1}`)
    for (const [label, m] of Object.entries(result.perClass)) this.log(`  ${label.padEnd(10, '　')} P ${m.precision.toFixed(2)}  R ${m.recall.toFixed(2)}  F1 ${m.f1.toFixed(2)}  (${m.support})`)
    return result
  }
}
