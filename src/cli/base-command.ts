import { Command, Flags, Errors, type Interfaces } from '@oclif/core'
import { ExitCode, LianxinError, describeError } from '../errors.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * The base of every lianxin command: `--json` on every command, the global `--config` flag,
 * and the one place where errors become exit codes and messages for people.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      description: 'Path to lianxin.yaml (default: $LIANXIN_CONFIG, then ./lianxin.yaml).',
      helpGroup: 'GLOBAL',
    }),
  }

  static override enableJsonFlag = true

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>

  public override async init(): Promise<void> {
    await super.init()
    const { args, flags } = await this.parse({
      args: this.ctor.args,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
  }

  /** Progress and notes for people go to stderr, so stdout stays clean for `--json` and pipes. */
  protected progress(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`)
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    const cli = toCliError(err)
    if (this.jsonEnabled() || process.env.DEBUG) return super.catch(cli)
    // Printed here rather than by oclif, which wraps at 80 columns and would break the
    // one-problem-per-line layout of config errors and audit reports.
    process.stderr.write(formatError(cli))
    process.exitCode = cli.exitCode
    return Errors.exit(cli.exitCode)
  }
}

/** `Error: message` and the suggestions, for people. */
export function formatError(err: Errors.CLIError): string {
  const suggestions = err.suggestions ?? []
  const tail = suggestions.length === 0 ? '' : suggestions.length === 1 ? `\nTry this: ${suggestions[0]}` : `\nTry this:\n${suggestions.map((s) => `  * ${s}`).join('\n')}`
  return `Error: ${err.message}${tail}\n`
}

/** Maps any thrown value to an oclif error carrying the right exit code, code and suggestions. */
export function toCliError(err: unknown): Errors.CLIError & { exitCode: number } {
  if (err instanceof LianxinError) {
    const cli = new Errors.CLIError(err.message, {
      code: err.code,
      exit: err.exitCode,
      suggestions: err.suggestions.length > 0 ? err.suggestions : undefined,
    }) as Errors.CLIError & { exitCode: number; details?: unknown }
    cli.exitCode = err.exitCode
    cli.name = err.name
    if (err.details !== undefined) cli.details = err.details
    return cli
  }
  if (err instanceof Errors.CLIError) {
    // oclif's own parse errors (unknown flag, missing argument) are usage errors.
    const exit = err.oclif?.exit ?? ExitCode.usage
    return Object.assign(err, { exitCode: exit })
  }
  const message = `unexpected error: ${describeError(err)}`
  const cli = new Errors.CLIError(message, {
    exit: ExitCode.unexpected,
    suggestions: ['This is a bug in lianxin. Run again with DEBUG=* for the stack trace and report it.'],
  }) as Errors.CLIError & { exitCode: number }
  cli.exitCode = ExitCode.unexpected
  if (err instanceof Error && err.stack) Object.defineProperty(cli, 'stack', { value: err.stack })
  return cli
}
