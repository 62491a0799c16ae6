import { Args } from '@oclif/core'
import { BaseCommand } from '../../src/cli/base-command.js'
import { withContext } from '../../src/cli/context.js'
import { testSource, type SourceTestResult } from '../../src/crawl/run.js'

export type SourcesTestResult = SourceTestResult

export default class SourcesTest extends BaseCommand<typeof SourcesTest> {
  static override summary = 'Fetch one page of a source and show what was parsed, storing nothing.'
  static override description = 'Use it after adding or changing a source in lianxin.yaml: it makes the first request or two the crawl would make (politely, honouring robots.txt) and prints the posts the adapter parsed from them, so selectors, feeds and board names can be checked before the daemon runs them.'
  static override examples = ['<%= config.bin %> <%= command.id %> renmin-liuyan', '<%= config.bin %> <%= command.id %> local-news --json']
  static override args = { id: Args.string({ description: 'Source id from lianxin.yaml.', required: true }) }

  public async run(): Promise<SourcesTestResult> {
    const result = await withContext({ configPath: this.flags.config }, ({ loaded, store }) => testSource(store, loaded!.config, this.args.id))
    this.log(`${result.id} (${result.kind}): ${result.posts.length} posts parsed from ${result.requests} requests; scope ${result.scope ?? '-'}; robots.txt ${result.robots}`)
    for (const post of result.posts.slice(0, 20)) {
      this.log(`- [${post.externalId}] ${post.publishedAt ?? '?'}  ${post.title}`)
      this.log(`    ${post.body.replace(/\s+/g, ' ').slice(0, 80)}${post.body.length > 80 ? '…' : ''}`)
    }
    if (result.posts.length > 20) this.log(`… and ${result.posts.length - 20} more`)
    return result
  }
}
