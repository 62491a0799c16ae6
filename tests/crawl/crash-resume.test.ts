import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { startReplica, type Replica } from '../../fixtures/replica/server.js'
import { verifyChain } from '../../src/audit/verify.js'
import { demoSources } from '../../src/demo/run.js'
import { Store } from '../../src/store/store.js'
import { mulberry32 as prng } from '../../src/prng.js'
import { readProfile } from '../helpers/config.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))


function crawl(config: string, killAfterMs?: number): Promise<{ code: number | null; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'crawl', '--config', config, '--json'], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } })
    let killed = false
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => {
      killed = child.kill('SIGKILL')
    }, killAfterMs)
    child.on('error', reject)
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer)
      resolve({ code, killed })
    })
  })
}

async function snapshot(url: string): Promise<{ posts: string[]; versions: number; ok: boolean }> {
  const store = await Store.open({ url })
  try {
    const rows = await store.db.selectFrom('posts').select(['source_id', 'external_id', 'content_hash']).execute()
    const versions = await store.db.selectFrom('post_versions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    return { posts: rows.map((r) => `${r.source_id} ${r.external_id} ${r.content_hash}`).sort(), versions: Number(versions.n), ok: (await verifyChain(store)).ok }
  } finally {
    await store.close()
  }
}

describe('a crawl killed with SIGKILL at random moments', () => {
  let replica: Replica
  let dir: string
  const write = (name: string) => {
    const base = readProfile()
    base.sources = demoSources(replica.url)
    base.crawl = { ...(base.crawl as object), minIntervalMs: 15 }
    base.database = { url: `sqlite:${name}.sqlite` }
    const file = join(dir, `${name}.yaml`)
    writeFileSync(file, stringify(base))
    return { file, url: `sqlite:${join(dir, `${name}.sqlite`)}` }
  }

  beforeAll(async () => {
    replica = await startReplica({ port: 0, crawlDelay: 0 })
    dir = mkdtempSync(join(tmpdir(), 'lianxin-crash-'))
  })
  afterAll(async () => {
    await replica.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('ends, after reruns, with exactly the posts of an uninterrupted crawl', async () => {
    const reference = write('reference')
    const started = Date.now()
    expect((await crawl(reference.file)).code).toBe(0)
    const fullMs = Date.now() - started
    const expected = await snapshot(reference.url)
    expect(expected.posts.length).toBeGreaterThan(20)

    const seed = Number(process.env.LIANXIN_CRASH_SEED ?? Date.now() % 100_000)
    const random = prng(seed)
    const interrupted = write('interrupted')
    let kills = 0
    for (let attempt = 0; attempt < 8; attempt++) {
      const result = await crawl(interrupted.file, Math.round(150 + random() * fullMs * 0.8))
      if (result.killed) kills++
      else break
    }
    expect((await crawl(interrupted.file)).code).toBe(0)
    const got = await snapshot(interrupted.url)
    expect(kills, `seed ${seed}`).toBeGreaterThan(0)
    expect(got.posts, `seed ${seed}`).toEqual(expected.posts)
    expect(got.versions, `seed ${seed}: no spurious versions`).toBe(expected.versions)
    expect(got.ok).toBe(true)
  }, 240_000)
})
