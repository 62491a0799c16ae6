import { Flags } from '@oclif/core'
import { CaseCommand, asFlag, ticketArg, type ActOutput } from '../../src/cli/case-command.js'
import { CLOCK_NAMES } from '../../src/config/sections/operations.js'
import { extendClock, pauseClock } from '../../src/tickets/actions.js'

export default class TicketsExtend extends CaseCommand<typeof TicketsExtend> {
  static override summary = 'Extend, pause or resume one of the five clocks, with a reason and a leader’s approval.'
  static override description = `Extensions and pauses are approved by a bureau head or a supervising leader, who records them (--as), and are accepted only before the clock's deadline. A paused clock stops counting until resumed.

Clocks: accept (一时接访), assign (一日交办), characterise (一周定性), reply (一旬答复), close (一月办结).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> 12 --clock reply --by 5d --reason "需区住建局联合勘察" --as liuju',
    '<%= config.bin %> <%= command.id %> 12 --clock close --pause --reason "等待法院判决" --as liuju',
    '<%= config.bin %> <%= command.id %> 12 --clock close --resume --as zhangwei',
  ]
  static override args = { id: ticketArg }
  static override flags = {
    as: asFlag,
    clock: Flags.string({ description: 'Which clock.', options: [...CLOCK_NAMES], required: true }),
    by: Flags.string({ description: 'Extra time: 3d, 12h, 1w (working days for a working-day clock).', exactlyOne: ['by', 'pause', 'resume'] }),
    pause: Flags.boolean({ description: 'Pause the clock instead.' }),
    resume: Flags.boolean({ description: 'Resume a paused clock.' }),
    reason: Flags.string({ description: 'Why (required to extend or pause).' }),
  }

  public async run(): Promise<ActOutput> {
    const { flags } = this
    const id = this.args.id
    const result = await this.withCase(async ({ store, ctx, actor }) => {
      if (flags.by !== undefined) return extendClock(store, ctx, { id, actor: actor(), clock: flags.clock, by: flags.by, reason: flags.reason ?? '' })
      return pauseClock(store, ctx, { id, actor: actor(), clock: flags.clock, ...(flags.reason !== undefined ? { reason: flags.reason } : {}), resume: flags.resume })
    })
    return this.reportAct(result, flags.by !== undefined ? `${flags.clock} clock extended by ${flags.by}` : `${flags.clock} clock ${flags.resume ? 'resumed' : 'paused'}`)
  }
}
