import { Flags } from '@oclif/core'
import { BaseCommand } from '../src/cli/base-command.js'
import { DEFAULT_PROFILE, initConfig, initTarget, type InitConfigResult } from '../src/config/init.js'

export type InitResult = InitConfigResult

export default class Init extends BaseCommand<typeof Init> {
  static override description = `Writes lianxin.yaml from a shipped profile. The pingfang profile sets up 哈尔滨市平房区: the 10 responsibility zones with their communities, the functional departments ("10+N"), the 五个一 SLA clocks with the 2026 holiday calendar, the two-level sign-off and the crawl sources. Every section is commented in Chinese and English so a clerk can adapt it.

The file is written to --config PATH, else $LIANXIN_CONFIG, else ./lianxin.yaml. An existing file is never replaced unless you pass --force. Run "lianxin config check" after editing.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --profile pingfang --config /etc/lianxin/lianxin.yaml',
    '<%= config.bin %> <%= command.id %> --force --json',
  ]
  static override flags = {
    force: Flags.boolean({ description: 'Replace an existing file.', default: false }),
    profile: Flags.string({ description: 'Profile to start from.', default: DEFAULT_PROFILE }),
  }
  static override summary = 'Write a commented lianxin.yaml to start from.'

  public async run(): Promise<InitResult> {
    const result = await initConfig({ profile: this.flags.profile, target: initTarget(this.flags.config), force: this.flags.force })
    this.log(`${result.overwritten ? 'Replaced' : 'Wrote'} ${result.path} (profile ${result.profile}).`)
    this.log('Edit it, then run "lianxin config check".')
    return result
  }
}
