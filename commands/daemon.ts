import { Flags } from '@oclif/core'
import { BaseCommand } from '../src/cli/base-command.js'
import { withContext } from '../src/cli/context.js'
import { UsageError } from '../src/errors.js'
import { runDaemon, type DaemonSummary } from '../src/daemon/daemon.js'
import { syncConfigUsers } from '../src/people/roster.js'

export default class Daemon extends BaseCommand<typeof Daemon> {
  static override summary = 'Run lianxin unattended: crawl on schedule, triage, watch the clocks, notify, publish.'
  static override description = `Each source is crawled on its own cron schedule (sources[].schedule, in the district's time zone); a run is skipped while the previous one is still going. New posts are triaged as they arrive; 特急 posts are pushed at once, with their cues, to notify.urgentTo (default: the bureau heads and supervising leaders). The five clocks of every open ticket are watched: at 80% the unit's handlers are warned (in a digest, at most every notify.digestEvery), at 100% the unit and the bureau head are told, sla.escalateAfterBreach later the supervising leader (分层督办); each alert is sent once. Approved replies are published through publish.default. Every delivery and failure is recorded in the log.

With daemon.metricsPort set, /metrics (Prometheus) and /healthz are served on daemon.host (127.0.0.1). Logs are JSON lines (pino) on stderr or daemon.logFile.

SIGTERM and SIGINT finish the step in flight, let crawls reach their next checkpoint and exit 0. On SQLite only one daemon may run per store (a second one exits 6); on PostgreSQL several share the work. docs/daemon.md has a systemd unit.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --once', '<%= config.bin %> <%= command.id %> --once --json']
  static override flags = {
    once: Flags.boolean({ description: 'Run one full cycle (waiting for the crawls) and exit: for people who prefer their own cron.' }),
  }

  public async run(): Promise<DaemonSummary> {
    const controller = new AbortController()
    const stop = (signal: string) => {
      this.progress(`${signal}: finishing the work in flight…`)
      controller.abort()
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
    const summary = await withContext({ configPath: this.flags.config, checkNested: true }, async ({ loaded, store }) => {
      if (!loaded) throw new UsageError('the daemon needs lianxin.yaml; create one with "lianxin init"')
      await syncConfigUsers(store, loaded.config)
      return runDaemon({
        store,
        config: loaded.config,
        baseDir: loaded.baseDir,
        once: this.flags.once,
        signal: controller.signal,
        onCycle: (r) =>
          this.progress(
            `cycle ${r.at}: crawled ${r.crawled.join(', ') || 'nothing due'}${r.skipped.length ? ` (still running: ${r.skipped.join(', ')})` : ''}, ${r.triaged} triaged, ${r.urgentQueued} urgent, ${r.alerts} alerts, ${r.published + r.exported} published, ${r.delivery.sent} notified${r.errors.length ? `, ${r.errors.length} errors` : ''}`,
          ),
      })
    })
    this.log(`Daemon ${summary.holder} stopped after ${summary.cycles} cycle(s)${summary.stoppedBy === 'signal' ? ' (signal)' : ''}.`)
    return summary
  }
}
