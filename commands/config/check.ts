import { BaseCommand } from '../../src/cli/base-command.js'
import { nestedSettings } from '../../src/cli/nested-settings.js'
import { checkConfig, type ConfigSummary } from '../../src/config/check.js'

export type ConfigCheckResult = ConfigSummary

export default class ConfigCheck extends BaseCommand<typeof ConfigCheck> {
  static override description = `Reads lianxin.yaml (--config PATH, else $LIANXIN_CONFIG, else ./lianxin.yaml), applies LIANXIN_* environment overrides and validates everything: types, unknown keys, ids that must exist or be unique, approvers and their roles, durations, dates, cron schedules and URLs, and the options of every source and notification channel.

If anything is wrong it lists every problem as FILE:LINE:COLUMN  KEY.PATH: message and exits with code 3. Otherwise it prints a summary; database passwords are masked.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config /etc/lianxin/lianxin.yaml --json',
  ]
  static override summary = 'Validate lianxin.yaml and summarise what it sets up.'

  public async run(): Promise<ConfigCheckResult> {
    const summary = await checkConfig({ flagPath: this.flags.config, nested: nestedSettings })
    const roles = Object.entries(summary.users.byRole).map(([role, count]) => `${role} ${count}`).join(', ')
    const kinds = Object.entries(summary.sources.byKind).map(([kind, count]) => `${kind} ${count}`).join(', ')
    this.log(`${summary.file ?? '(no file)'} is valid.`)
    this.log(`  district     ${summary.district.name} (${summary.district.code}, ${summary.district.timezone})`)
    this.log(`  topics       ${summary.topics}`)
    this.log(`  zones        ${summary.zones} (${summary.communities} communities)`)
    this.log(`  departments  ${summary.departments} (${summary.leadingDepartments} lead topics), fallback ${summary.fallback}`)
    this.log(`  users        ${summary.users.total}: ${roles}`)
    this.log(`  sign-off     ${summary.approval.bureauHeads.join(', ')} → ${summary.approval.supervisingLeaders.join(', ')}`)
    this.log(`  sources      ${summary.sources.enabled}/${summary.sources.total} enabled${kinds === '' ? '' : ` (${kinds})`}`)
    this.log(`  notify       ${summary.notifyChannels} channel(s)`)
    this.log(`  database     ${summary.database.url} (from ${summary.database.from})`)
    for (const override of summary.overrides) this.log(`  override     ${override.path} ← ${override.from}`)
    return summary
  }
}
