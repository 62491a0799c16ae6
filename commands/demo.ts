import { Flags } from '@oclif/core'
import { BaseCommand } from '../src/cli/base-command.js'
import { loadConfig } from '../src/config/load.js'
import { runDemo, type DemoResult } from '../src/demo/run.js'
import { renderBoard } from '../src/tickets/board.js'

export type DemoCommandResult = DemoResult

export default class Demo extends BaseCommand<typeof Demo> {
  static override summary = 'Run the whole job once against the bundled replica sources.'
  static override description = `Writes a 平房区 config into a work directory, starts replicas of the watched sources on 127.0.0.1 (no real site is contacted), crawls them, triages every post, opens tickets, and prints the board of open tickets and the state of the tamper-evident log. The work directory is kept, so you can go on with it: every other command accepts --config DIR/lianxin.yaml.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --dir ./demo',
    '<%= config.bin %> <%= command.id %> --json | jq .board',
  ]
  static override flags = {
    dir: Flags.string({ description: 'Work directory for lianxin.yaml and the SQLite store (default: a new temp directory).' }),
  }

  public async run(): Promise<DemoCommandResult> {
    const result = await runDemo({
      ...(this.flags.dir ? { dir: this.flags.dir } : {}),
      onProgress: (message) => this.progress(message),
      onCrawlProgress: (p) => {
        if (p.note === 'done') this.progress(`  ${p.id.padEnd(28)} ${p.status.padEnd(11)} pages ${p.pages}  new ${p.new}  updated ${p.updated}  errors ${p.errors.length}`)
      },
    })
    const loaded = await loadConfig({ flagPath: result.config, env: {}, required: false })
    this.log(`\n待办工单 / open tickets (${result.board.length})\n`)
    this.log(renderBoard(result.board, loaded?.config, new Date()))
    this.log(`\naudit: ${result.audit.events} events, ${result.audit.ok ? 'chain intact' : 'CHAIN BROKEN'}; head ${result.audit.head.seq}:${result.audit.head.hash}`)
    this.log(`work directory: ${result.dir}  (try: lianxin audit verify --config ${result.config})`)
    return result
  }
}
