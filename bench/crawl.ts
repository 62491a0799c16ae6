import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as cheerio from 'cheerio'
import got from 'got'
import { parse, stringify } from 'yaml'
import { readFileSync } from 'node:fs'
import { parseConfig } from '../src/config/load.js'
import type { LianxinConfig } from '../src/config/schema.js'
import type { TracedRequest } from '../src/crawl/fetcher.js'
import { HostPool } from '../src/crawl/host-pool.js'
import { runCrawl } from '../src/crawl/run.js'
import { demoSources } from '../src/demo/run.js'
import { packagePath } from '../src/paths.js'
import { Store } from '../src/store/store.js'
import { replicaProcess } from '../fixtures/replica/process.js'
import { line, measure, rate, verdict, type Measured } from './measure.js'

/**
 * Crawl throughput against the replica with politeness off (no interval, robots.txt not
 * fetched), against a bare got + cheerio loop that sends the same requests and parses the same
 * bodies, measured in the same run. The pipeline's extra work is the adapters' parsing into
 * posts, content hashing, gzip of raw bodies and the SQLite transactions with the event log.
 */
const ROUNDS = 5

async function crawlOnce(config: LianxinConfig, file: string) {
  const store = await Store.open({ url: `sqlite:${file}` })
  const requests: TracedRequest[] = []
  try {
    const measured = await measure(() =>
      runCrawl(store, config, {
        pool: new HostPool({ minIntervalMs: 0, concurrency: 1 }),
        fetcher: { onRequest: (r) => requests.push(r), backoffBaseMs: 5 },
      }),
    )
    return { ...measured, requests, posts: measured.value.totals.new + measured.value.totals.updated }
  } finally {
    await store.close()
  }
}

function median<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)] as T
}

export async function crawlBench(options: { extraItems?: number } = {}): Promise<string[]> {
  const replica = await replicaProcess()
  const dir = mkdtempSync(join(tmpdir(), 'lianxin-bench-'))
  try {
    await replica.advance(options.extraItems ?? 300)
    const profile = parse(readFileSync(packagePath('src', 'config', 'profiles', 'pingfang.yaml'), 'utf8')) as Record<string, unknown>
    profile.sources = demoSources(replica.url)
    profile.crawl = { ...(profile.crawl as object), minIntervalMs: 0, respectRobots: false }
    const config = parseConfig(stringify(profile), 'bench.yaml')
    // Each side runs ROUNDS times on a fresh store (first round = warm-up, not counted); medians are compared.
    const pipelines: Array<Awaited<ReturnType<typeof crawlOnce>>> = []
    const baselines: Array<Measured<number>> = []
    for (let round = 0; round <= ROUNDS; round++) {
      const run = await crawlOnce(config, join(dir, `bench-${round}.sqlite`))
      const bare = await measure(() => bareLoop(run.requests))
      if (round > 0) {
        pipelines.push(run)
        baselines.push(bare)
      }
    }
    // Each round's pipeline and baseline run back to back, so a busy machine slows both alike:
    // the figure is the median of the per-round ratios.
    const ratios = pipelines.map((p, i) => p.ms / (baselines[i] as Measured<number>).ms)
    const pipeline = median(pipelines, (p) => p.ms)
    const baseline = median(baselines, (b) => b.ms)
    const r = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)] as number
    const { requests, posts } = pipeline
    const pages = requests.length
    return [
      line('crawl: pipeline (lianxin)', { requests: pages, posts, ms: pipeline.ms.toFixed(0), 'cpu ms': pipeline.cpuMs.toFixed(0), 'pages/s': rate(pages, pipeline.ms), 'posts/s': rate(posts, pipeline.ms), 'peak RSS MB': pipeline.peakRssMb.toFixed(0) }),
      line('crawl: baseline (bare got+cheerio)', { requests: baseline.value, ms: baseline.ms.toFixed(0), 'cpu ms': baseline.cpuMs.toFixed(0), 'pages/s': rate(pages, baseline.ms), 'peak RSS MB': baseline.peakRssMb.toFixed(0) }),
      line('crawl: sources', Object.fromEntries(pipeline.value.sources.map((s) => [s.id, `${s.status}/${s.pages}p/${s.new}n`]))),
      verdict(r < 1.5, `crawl overhead ratio ${r.toFixed(2)}x, median of ${ratios.length} paired rounds (${ratios.map((x) => x.toFixed(2)).join(', ')}; target < 1.5x)`),
    ]
  } finally {
    await replica.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The same requests, sequentially, with got; each body parsed with cheerio or JSON.parse. */
async function bareLoop(requests: TracedRequest[]): Promise<number> {
  let done = 0
  for (const r of requests) {
    const res = await got(r.url, {
      method: r.method as 'GET' | 'POST',
      headers: r.headers,
      ...(r.form ? { form: r.form } : {}),
      ...(r.json !== undefined ? { json: r.json } : {}),
      ...(r.body !== undefined ? { body: r.body } : {}),
      throwHttpErrors: false,
      retry: { limit: 0 },
    })
    const type = String(res.headers['content-type'] ?? '')
    if (type.includes('json')) JSON.parse(res.body)
    else cheerio.load(res.body, { xml: type.includes('xml') }).root().text()
    done++
  }
  return done
}
