import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IntegrityError, RefusedError } from '../../src/errors.js'
import { EXPORT_FORMAT, ExportChannel, type ExportManifest } from '../../src/publish/channels/export.js'
import { packageRoot } from '../../src/paths.js'
import { mulberry32 } from '../../src/prng.js'
import { bigItem } from './export-items.js'
import { makeItem } from './helpers.js'

let dir: string
const NOW = new Date('2026-11-03T07:00:00.000Z')
const channel = (sub = 'exports') => new ExportChannel({ id: 'exports', dir: join(dir, sub), now: () => NOW })
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex')

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lianxin-export-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function expectRefused(promise: Promise<unknown>): Promise<RefusedError> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(RefusedError)
  return err as RefusedError
}

describe('export channel', () => {
  it('writes the exact signed text and a manifest telling staff what to do', async () => {
    const item = makeItem({ text: '  您好：\r\n  两个空格开头，CRLF 换行，结尾没有换行 <b>&amp;</b>' })
    const out = channel()
    expect(await out.find(item)).toBeUndefined()
    const receipt = await out.send(item)
    const txt = join(dir, 'exports', 'ticket-12-v2.txt')
    const json = join(dir, 'exports', 'ticket-12-v2.json')
    expect(receipt).toEqual({ channel: 'exports', kind: 'export', at: NOW.toISOString(), files: [txt, json] })

    const bytes = await readFile(txt)
    expect(bytes.equals(Buffer.from(item.text, 'utf8'))).toBe(true) // no BOM, no added newline, CRLF kept
    expect(sha(bytes)).toBe(item.textSha256)

    const manifest = JSON.parse(await readFile(json, 'utf8')) as ExportManifest
    expect(manifest).toMatchObject({
      format: EXPORT_FORMAT,
      ticketId: 12,
      version: 2,
      title: item.title,
      sha256: item.textSha256,
      textFile: 'ticket-12-v2.txt',
      bytes: bytes.length,
      signers: item.signers,
      target: item.target,
      channel: 'exports',
      exportedAt: NOW.toISOString(),
    })
    const steps = [...manifest.instructions.zh, ...manifest.instructions.en].join('\n')
    expect(steps).toContain('lianxin replies confirm-published 12 --url https://liuyan.people.com.cn/threads/content?tid=26123456')
    expect(steps).toContain('ticket-12-v2.txt')
    // Nothing else is left in the directory (no temporary files).
    expect((await readdir(join(dir, 'exports'))).sort()).toEqual(['ticket-12-v2.json', 'ticket-12-v2.txt'])
  })

  it('finds an earlier export, and sending again is a no-op that rewrites nothing', async () => {
    const item = makeItem()
    const first = channel()
    await first.send(item)
    const txt = join(dir, 'exports', 'ticket-12-v2.txt')
    const before = await stat(txt)

    const resumed = channel() // a new run, after a crash or a retry
    const found = await resumed.find(item)
    expect(found).toMatchObject({ channel: 'exports', kind: 'export', alreadyThere: true, at: NOW.toISOString(), files: [txt, join(dir, 'exports', 'ticket-12-v2.json')] })
    expect(await resumed.send(item)).toMatchObject({ alreadyThere: true })
    expect((await stat(txt)).mtimeMs).toBe(before.mtimeMs)
    expect((await stat(txt)).ino).toBe(before.ino)
  })

  it('keeps versions apart, and a ticket without a linked post gets instructions without a URL', async () => {
    const out = channel()
    await out.send(makeItem({ version: 1, text: '第一版' }))
    await out.send(makeItem({ version: 2, text: '第二版', target: undefined }))
    expect(await readFile(join(dir, 'exports', 'ticket-12-v1.txt'), 'utf8')).toBe('第一版')
    expect(await readFile(join(dir, 'exports', 'ticket-12-v2.txt'), 'utf8')).toBe('第二版')
    const manifest = JSON.parse(await readFile(join(dir, 'exports', 'ticket-12-v2.json'), 'utf8')) as ExportManifest
    expect(manifest.target).toBeNull()
    expect(manifest.instructions.en.join('\n')).toContain('lianxin replies confirm-published 12 --url <thread url>')
  })

  it('refuses a text file of the same name with another text, naming it, and never overwrites it', async () => {
    const item = makeItem()
    await channel().send(makeItem({ text: '另一段文字（被人改过）' }))
    const txt = join(dir, 'exports', 'ticket-12-v2.txt')
    const out = channel()
    // One at a time: a second call started early would reject while the first is awaited.
    for (const attempt of [() => out.find(item), () => out.send(item)]) {
      const err = await expectRefused(attempt())
      expect(err.code).toBe('PUBLISH_CONFLICT')
      expect(err.message).toContain(txt)
      expect(err.message).toContain('it is not overwritten')
      expect(err.details).toMatchObject({ file: txt, ticketId: 12, version: 2 })
    }
    expect(await readFile(txt, 'utf8')).toBe('另一段文字（被人改过）')
  })

  it('refuses a manifest whose hash was edited, or that is not JSON', async () => {
    const item = makeItem()
    const out = channel()
    await out.send(item)
    const json = join(dir, 'exports', 'ticket-12-v2.json')
    const manifest = JSON.parse(await readFile(json, 'utf8')) as ExportManifest
    await writeFile(json, JSON.stringify({ ...manifest, sha256: '0'.repeat(64) }))
    expect((await expectRefused(out.find(item))).message).toContain(json)
    await writeFile(json, 'not json')
    expect((await expectRefused(out.send(item))).message).toMatch(/ticket-12-v2\.json .* not a lianxin export file/)
  })

  it('completes an export interrupted between the two files', async () => {
    const item = makeItem()
    await channel().send(item)
    await rm(join(dir, 'exports', 'ticket-12-v2.json'))
    expect(await channel().find(item)).toBeUndefined()
    expect(await channel().send(item)).toMatchObject({ files: [expect.stringMatching(/v2\.txt$/), expect.stringMatching(/v2\.json$/)] })
    expect(await channel().find(item)).toMatchObject({ alreadyThere: true })
  })

  it('lets concurrent writers of the same item both succeed, and one of two different texts lose', async () => {
    const item = makeItem()
    const receipts = await Promise.all([channel().send(item), channel().send(item), channel().send(item)])
    expect(receipts).toHaveLength(3)
    expect(sha(await readFile(join(dir, 'exports', 'ticket-12-v2.txt')))).toBe(item.textSha256)

    const a = makeItem({ ticketId: 13, text: '甲' })
    const b = makeItem({ ticketId: 13, text: '乙' })
    const results = await Promise.allSettled([channel().send(a), channel().send(b)])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const rejected = results.find((r) => r.status === 'rejected')
    expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(RefusedError)
    expect(['甲', '乙']).toContain(await readFile(join(dir, 'exports', 'ticket-13-v2.txt'), 'utf8'))
  })

  it('refuses an item whose text is not the signed one, and writes nothing', async () => {
    const item = { ...makeItem(), text: '签字之后被改动的文字' }
    await expect(channel().send(item)).rejects.toBeInstanceOf(IntegrityError)
    await expect(channel().send(item)).rejects.toThrow(/refusing to publish a text nobody signed/)
    await expect(readdir(join(dir, 'exports'))).rejects.toThrow(/ENOENT/)
  })

  it('never leaves a partial file when killed with SIGKILL mid-export, and a rerun completes', async () => {
    const out = join(dir, 'exports')
    const count = 40
    const seed = Number(process.env.LIANXIN_CRASH_SEED ?? Date.now() % 100_000)
    const random = mulberry32(seed)
    let kills = 0
    for (let round = 0; round < 3; round++) {
      kills += (await exportUntilKilled(out, count, Math.round(random() * 40))) ? 1 : 0
      // Every visible file is whole: a text hashes to its ticket's signed hash, a manifest parses and matches.
      for (const name of await readdir(out)) {
        if (name.startsWith('.')) continue
        const id = Number(/^ticket-(\d+)-v1\.(txt|json)$/.exec(name)?.[1])
        const expected = bigItem(id)
        const bytes = await readFile(join(out, name))
        if (name.endsWith('.txt')) expect(sha(bytes), `seed ${seed}: ${name}`).toBe(expected.textSha256)
        else expect((JSON.parse(bytes.toString('utf8')) as ExportManifest).sha256, `seed ${seed}: ${name}`).toBe(expected.textSha256)
      }
    }
    expect(kills, `seed ${seed}`).toBeGreaterThan(0)

    const rerun = new ExportChannel({ id: 'exports', dir: out })
    for (let id = 1; id <= count; id++) await rerun.send(bigItem(id))
    for (let id = 1; id <= count; id++) expect(await rerun.find(bigItem(id))).toMatchObject({ alreadyThere: true })
    expect((await readdir(out)).filter((n) => !n.startsWith('.'))).toHaveLength(2 * count)
  }, 60_000)
})

/** Runs the exporting child and kills it `afterMs` after its first export; true if it was killed before finishing. */
function exportUntilKilled(out: string, count: number, afterMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/publish/export-child.ts', out, String(count)], { cwd: packageRoot, stdio: ['ignore', 'pipe', 'inherit'] })
    let timer: NodeJS.Timeout | undefined
    let killed = false
    child.stdout.once('data', () => {
      timer = setTimeout(() => {
        killed = child.kill('SIGKILL')
      }, afterMs)
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer)
      resolve(killed && signal === 'SIGKILL' && code === null)
    })
  })
}
