import { Args, Flags, type Command } from '@oclif/core'
import type { LianxinConfig } from '../config/schema.js'
import { UsageError } from '../errors.js'
import { actorName, syncConfigUsers } from '../people/roster.js'
import type { Store } from '../store/store.js'
import { withEffectNotices } from '../daemon/notices.js'
import { caseContext, type ActResult, type CaseContext } from '../tickets/service.js'
import type { Effect } from '../tickets/workflow/index.js'
import { BaseCommand } from './base-command.js'
import { withContext } from './context.js'

/** What a command acting on tickets gets. */
export interface CaseScope {
  readonly store: Store
  readonly config: LianxinConfig
  readonly ctx: CaseContext
  /** Directory of lianxin.yaml: relative paths in it are resolved against it. */
  readonly baseDir: string
  /** Who acts (`--as` or LIANXIN_USER); only resolved when asked for. */
  readonly actor: () => string
}

/** The ticket id argument every ticket command takes. */
export const ticketArg = Args.integer({ name: 'ID', description: 'Ticket number (as "lianxin tickets list" shows it, without #).', required: true, min: 1 })

/** The `--as` flag: who acts. */
export const asFlag = Flags.string({ description: 'Act as this user (default: $LIANXIN_USER).', helpGroup: 'GLOBAL' })

/** A ticket event as JSON output: the ticket, its new status and what happens next. */
export interface ActOutput {
  ticket: number
  event: string
  seq: number
  at: string
  status: string
  /** False when the same request was already recorded (nothing new was written). */
  created: boolean
  effects: readonly Effect[]
}

/**
 * The base of commands that read or change tickets and replies: loads the config and store,
 * adds lianxin.yaml's users to the store the first time, and builds the workflow context.
 */
export abstract class CaseCommand<T extends typeof Command> extends BaseCommand<T> {
  /** Runs `fn` with the store, the config, the workflow context and the acting user. */
  protected async withCase<R>(fn: (scope: CaseScope) => Promise<R>): Promise<R> {
    const flags = this.flags as { config?: string; as?: string }
    return withContext({ configPath: flags.config }, async ({ loaded, store }) => {
      if (!loaded) throw new UsageError('this command needs lianxin.yaml; create one with "lianxin init"')
      await syncConfigUsers(store, loaded.config)
      const ctx = withEffectNotices(await caseContext(store, loaded.config), loaded.config)
      return fn({ store, config: loaded.config, ctx, baseDir: loaded.baseDir, actor: () => actorName(flags.as) })
    })
  }

  /** The JSON result of one recorded event, printed for people as one line plus what happens next. */
  protected reportAct(result: ActResult, done: string): ActOutput {
    const output: ActOutput = {
      ticket: result.state.id,
      event: result.event.type,
      seq: result.event.seq,
      at: result.event.at,
      status: result.state.status,
      created: result.created,
      effects: result.effects,
    }
    this.log(result.created ? `Ticket #${output.ticket}: ${done} (now ${output.status}; event ${output.seq}).` : `Ticket #${output.ticket}: already recorded as event ${output.seq}; nothing changed.`)
    for (const effect of result.effects) {
      if (effect.kind !== 'notify') continue
      const to = 'role' in effect.to ? effect.to.role : 'owner' in effect.to ? effect.to.owner : effect.to.user
      this.log(`  next: ${to} — ${effect.about}${effect.detail ? ` (${effect.detail})` : ''}`)
    }
    return output
  }
}
