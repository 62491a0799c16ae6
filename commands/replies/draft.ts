import { readFileSync } from 'node:fs'
import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg } from '../../src/cli/case-command.js'
import { UsageError } from '../../src/errors.js'
import { draftReply } from '../../src/replies/service.js'
import type { Finding } from '../../src/replies/check.js'

export interface DraftOutput {
  ticket: number
  version: number
  textSha256: string
  status: string
  submitted: boolean
  notSubmitted?: string
  findings: readonly Finding[]
}

export default class RepliesDraft extends CaseCommand<typeof RepliesDraft> {
  static override summary = "Save a new version of a ticket's reply."
  static override description = `The text is stored exactly as given (every character counts: signatures cover its SHA-256). A new version voids every signature on earlier ones. With --submit it also goes to the bureau head for signature (once every sub-task is done). The reply check runs on it and shows what looks wrong.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 12 --file reply-12.txt --submit --as zhangwei',
    '<%= config.bin %> <%= command.id %> 12 --text "您好！您反映的……" --as zhangwei',
  ]
  static override args = { id: ticketArg }
  static override flags = {
    as: asFlag,
    text: Flags.string({ description: 'The reply text.', exactlyOne: ['text', 'file'] }),
    file: Flags.string({ description: 'Read the reply text from this UTF-8 file ("-" for stdin).' }),
    submit: Flags.boolean({ description: 'Submit it for signature right away.' }),
  }

  public async run(): Promise<DraftOutput> {
    const { flags } = this
    const text = flags.text ?? readText(flags.file ?? '-')
    const result = await this.withCase(async ({ store, ctx, actor }) => draftReply(store, ctx, { ticketId: this.args.id, author: actor(), text, submit: flags.submit }))
    this.log(`Ticket #${this.args.id}: reply version ${result.draft.version} saved (sha256 ${result.draft.textSha256.slice(0, 16)}…), ${result.submitted ? 'submitted to the bureau head' : 'not submitted'}.`)
    if (result.notSubmitted) this.log(`  not submitted: ${result.notSubmitted}`)
    for (const f of result.findings) this.log(`  ${f.severity === 'warning' ? '!' : '·'} ${f.message}`)
    return {
      ticket: this.args.id,
      version: result.draft.version,
      textSha256: result.draft.textSha256,
      status: result.state.status,
      submitted: result.submitted,
      ...(result.notSubmitted !== undefined ? { notSubmitted: result.notSubmitted } : {}),
      findings: result.findings,
    }
  }
}

function readText(path: string): string {
  try {
    const text = readFileSync(path === '-' ? 0 : path, 'utf8')
    return text.startsWith('\uFEFF') ? text.slice(1) : text
  } catch (err) {
    throw new UsageError(`cannot read the reply from ${path === '-' ? 'stdin' : path}: ${(err as Error).message}`)
  }
}
