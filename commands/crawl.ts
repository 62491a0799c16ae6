import { Flags } from '@oclif/core'
import { BaseCommand } from '../src/cli/base-command.js'
import { withContext } from '../src/cli/context.js'
import { crawlOutcomeError, renderCrawlSummary } from '../src/crawl/report.js'
import { runCrawl, type CrawlSummary } from '../src/crawl/run.js'

export type CrawlResult = CrawlSummary

export default class Crawl extends BaseCommand<typeof Crawl> {
  static override summary = 'Crawl the configured sources once, politely and incrementally.'
  static override description = `Fetches what is new on each enabled source (or only those given with --source) and stores it: each page's posts together with the source's checkpoint, so an interrupted crawl resumes where it stopped without losing or duplicating a post. A post whose content changed gets a new version; the old one is kept.

Requests to one host go one at a time with at least crawl.minIntervalMs between them, robots.txt is honoured unless a source overrides it (the summary shows it), and a source that signals a block (HTTP 403/418/429/432, SN0006, a captcha) is left alone for this run and backed off across runs. One failing source never stops the others; the exit code is 8 if any failed.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --source renmin-liuyan --max-pages 3',
    '<%= config.bin %> <%= command.id %> --dry-run --json',
  ]
  static override flags = {
    source: Flags.string({ char: 's', description: 'Crawl only this source id; may be repeated.', multiple: true }),
    'max-pages': Flags.integer({ description: 'Stop after this many list pages per board, feed or account.', min: 1 }),
    'dry-run': Flags.boolean({ description: 'Fetch and parse, report what would change, store nothing.' }),
    'ignore-backoff': Flags.boolean({ description: 'Crawl sources even while they are backed off after a block.' }),
  }

  public async run(): Promise<CrawlResult> {
    const { flags } = this
    const summary = await withContext({ configPath: flags.config }, async ({ loaded, store }) => {
      const config = loaded!.config
      const unknown = (flags.source ?? []).filter((id) => !config.sources.some((s) => s.id === id))
      if (unknown.length > 0) this.error(`unknown source ${unknown.join(', ')}; configured: ${config.sources.map((s) => s.id).join(', ')}`, { exit: 2 })
      return runCrawl(store, config, {
        ...(flags.source ? { sourceIds: flags.source } : {}),
        ...(flags['max-pages'] ? { maxPages: flags['max-pages'] } : {}),
        dryRun: flags['dry-run'],
        ignoreBackoff: flags['ignore-backoff'],
        onProgress: (p) => this.progress(`${p.id}: ${p.note ?? `pages ${p.pages}, new ${p.new}, updated ${p.updated}, errors ${p.errors.length}`}`),
      })
    })
    this.log(renderCrawlSummary(summary))
    const failure = crawlOutcomeError(summary)
    if (failure) throw failure
    return summary
  }
}
