/**
 * Where the passphrase of a signing key comes from: an argument, else `LIANXIN_PASSPHRASE`, else
 * a prompt on the terminal with no echo. There is no fallback to plain stdin: a piped passphrase
 * ends up in shell history and process lists too easily.
 */
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { UsageError } from '../errors.js'

/** The environment variable read when no passphrase is given. */
export const PASSPHRASE_ENV = 'LIANXIN_PASSPHRASE'

/** A readable stream that may be a terminal (process.stdin is one). */
export type PromptInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown }

export interface ReadPassphraseOptions {
  /** Shown before the cursor, e.g. "Passphrase for liuju's signing key: ". */
  prompt: string
  /** @default process.stdin */
  input?: PromptInput
  /** Where the prompt goes. @default process.stderr (so stdout stays clean for --json) */
  output?: NodeJS.WritableStream
}

/**
 * Asks for a passphrase on the terminal without echoing it.
 *
 * @throws UsageError when `input` is not a terminal, or when the person cancels (Ctrl-C / Ctrl-D).
 */
export function readPassphrase(options: ReadPassphraseOptions): Promise<string> {
  const input = options.input ?? process.stdin
  const output = options.output ?? process.stderr
  if (input.isTTY !== true) {
    return Promise.reject(
      new UsageError('no passphrase for the signing key: stdin is not a terminal, so lianxin cannot ask for it', {
        suggestions: [`Run the command in a terminal, or set ${PASSPHRASE_ENV} for this one command (it is visible to other processes of your user).`],
      }),
    )
  }
  let muted = false
  // readline echoes what is typed to its output; this one drops everything once the prompt is shown.
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      if (!muted) output.write(chunk)
      done()
    },
  })
  const rl = createInterface({ input, output: sink, terminal: true, historySize: 0 })
  return new Promise<string>((resolve, reject) => {
    let answered = false
    const cancel = () => {
      if (answered) return
      answered = true
      output.write('\n')
      rl.close()
      reject(new UsageError('no passphrase was entered; nothing was signed or written'))
    }
    rl.on('SIGINT', cancel)
    rl.on('close', cancel)
    output.write(options.prompt)
    muted = true
    rl.question('', (answer) => {
      answered = true
      output.write('\n')
      rl.close()
      resolve(answer)
    })
  })
}

export interface GetPassphraseOptions extends Partial<ReadPassphraseOptions> {
  /** Given on the command line or by the caller; used as is when set. */
  passphrase?: string | undefined
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** Ask twice and insist both match (for a new key). Only applies to the prompt. */
  confirm?: boolean
}

/**
 * The passphrase from the argument, else `LIANXIN_PASSPHRASE`, else the terminal prompt.
 *
 * @throws UsageError when none is available, when the prompt is cancelled or (with `confirm`) the
 *   two entries differ.
 */
export async function getPassphrase(options: GetPassphraseOptions = {}): Promise<string> {
  if (options.passphrase !== undefined) return options.passphrase
  const fromEnv = (options.env ?? process.env)[PASSPHRASE_ENV]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  const ask = (prompt: string) => readPassphrase({ prompt, ...(options.input ? { input: options.input } : {}), ...(options.output ? { output: options.output } : {}) })
  const first = await ask(options.prompt ?? 'Passphrase: ')
  if (options.confirm === true) {
    const second = await ask('Type it again: ')
    if (second !== first) throw new UsageError('the two passphrases differ; nothing was written', { suggestions: ['Run the command again.'] })
  }
  return first
}
