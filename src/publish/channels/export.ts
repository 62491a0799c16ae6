/**
 * The export channel: writes each signed reply as two files for staff to post by hand in the board's
 * back office, `ticket-<id>-v<version>.txt` (the exact signed text: UTF-8, no BOM, no added newline)
 * and `ticket-<id>-v<version>.json` (what it is, who signed, where to post it and how to confirm).
 *
 * Files are written atomically (a temporary file in the same directory, fsync, then a no-clobber
 * link, or a rename where the file system has no hard links, then an fsync of the directory), and
 * never overwritten: a file of the same name with another text is an error naming the file.
 */
import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { sha256Hex } from '../../audit/canonical.js'
import { RefusedError } from '../../errors.js'
import { checkItem, describeItem } from '../item.js'
import type { PublishChannel, PublishItem, PublishReceipt } from '../types.js'

/** `format` of the .json file. */
export const EXPORT_FORMAT = 'lianxin-reply-export/1'

export interface ExportChannelOptions {
  id: string
  /** Absolute directory (created when missing). */
  dir: string
  now?: () => Date
}

/** The .json file next to the text. */
export interface ExportManifest {
  format: typeof EXPORT_FORMAT
  ticketId: number
  version: number
  title: string
  /** sha256 (hex) of the .txt file's bytes: the text both signatures cover. */
  sha256: string
  textFile: string
  /** UTF-8 bytes and characters of the text. */
  bytes: number
  characters: number
  signers: PublishItem['signers']
  target: PublishItem['target'] | null
  channel: string
  exportedAt: string
  /** What staff do with the files, in Chinese and English. */
  instructions: { zh: string[]; en: string[] }
}

/** File names of an item: `ticket-<id>-v<version>.txt` and `.json`. */
export function exportFileNames(item: Pick<PublishItem, 'ticketId' | 'version'>): { txt: string; json: string } {
  const stem = `ticket-${item.ticketId}-v${item.version}`
  return { txt: `${stem}.txt`, json: `${stem}.json` }
}

/** The confirm command staff run after posting, with the thread URL filled in when it is known. */
export function confirmCommand(item: PublishItem): string {
  return `lianxin replies confirm-published ${item.ticketId} --url ${item.target?.url ?? '<thread url>'}`
}

function instructions(item: PublishItem, txt: string): ExportManifest['instructions'] {
  const where = item.target
    ? `${item.target.sourceKind}/${item.target.sourceId} #${item.target.itemId}${item.target.url ? ` (${item.target.url})` : ''}`
    : undefined
  return {
    zh: [
      where ? `1. 登录留言板后台，打开留言 ${where}。` : '1. 登录留言板后台，打开群众的原留言（本答复没有关联的留言，请按标题查找）。',
      `2. 把 ${txt} 的全部内容原样粘贴为答复并提交。不要改动任何字：改动后的文字没有经过两级审签。`,
      '3. 提交后在前台页面核对答复已显示，然后运行：',
      `   ${confirmCommand(item)}`,
    ],
    en: [
      where ? `1. Log in to the board's back office and open the citizen's post ${where}.` : "1. Log in to the board's back office and open the citizen's post (this reply has no linked post; find it by the title).",
      `2. Paste the whole of ${txt} as the reply, unchanged, and submit it. Do not edit it: an edited text is not the text both signatures cover.`,
      '3. Check the reply shows on the public page, then run:',
      `   ${confirmCommand(item)}`,
    ],
  }
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS', 'EMLINK'])
const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined
    throw err
  }
}

async function fsyncDir(dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (err) {
    // Some platforms and file systems cannot fsync a directory; the renamed file itself was synced.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF', 'ENOTSUP'].includes(code(err) ?? '')) throw err
  } finally {
    await handle?.close()
  }
}

export class ExportChannel implements PublishChannel {
  readonly kind = 'export' as const
  readonly id: string
  readonly dir: string
  private readonly now: () => Date

  constructor(options: ExportChannelOptions) {
    this.id = options.id
    this.dir = options.dir
    this.now = options.now ?? (() => new Date())
  }

  /** Absolute paths of the item's two files. */
  paths(item: Pick<PublishItem, 'ticketId' | 'version'>): { txt: string; json: string } {
    const names = exportFileNames(item)
    return { txt: join(this.dir, names.txt), json: join(this.dir, names.json) }
  }

  async find(item: PublishItem): Promise<PublishReceipt | undefined> {
    checkItem(this.id, item)
    const { txt, json } = this.paths(item)
    const text = await readIfExists(txt)
    if (text !== undefined && sha256Hex(text) !== item.textSha256.toLowerCase()) throw this.conflict(item, txt, `its text hashes to ${sha256Hex(text).slice(0, 16)}…`)
    const manifestBytes = await readIfExists(json)
    let manifest: Partial<ExportManifest> | undefined
    if (manifestBytes !== undefined) {
      manifest = this.readManifest(item, json, manifestBytes)
      if (manifest.sha256 !== item.textSha256.toLowerCase()) throw this.conflict(item, json, `it records sha256 ${String(manifest.sha256).slice(0, 16)}…`)
    }
    // Both files are written before a receipt is given; one alone is a run interrupted half-way.
    if (text === undefined || manifest === undefined) return undefined
    const at = typeof manifest.exportedAt === 'string' ? manifest.exportedAt : (await stat(json)).mtime.toISOString()
    return { channel: this.id, kind: 'export', at, alreadyThere: true, files: [txt, json] }
  }

  async send(item: PublishItem): Promise<PublishReceipt> {
    const earlier = await this.find(item)
    if (earlier) return earlier
    const { txt, json } = this.paths(item)
    await mkdir(this.dir, { recursive: true })
    const at = this.now().toISOString()
    const bytes = Buffer.from(item.text, 'utf8')
    const manifest: ExportManifest = {
      format: EXPORT_FORMAT,
      ticketId: item.ticketId,
      version: item.version,
      title: item.title,
      sha256: item.textSha256.toLowerCase(),
      textFile: basename(txt),
      bytes: bytes.length,
      characters: [...item.text].length,
      signers: item.signers,
      target: item.target ?? null,
      channel: this.id,
      exportedAt: at,
      instructions: instructions(item, basename(txt)),
    }
    // The text first: a manifest never points at a text that is not there.
    await this.writeOnce(item, txt, bytes, (existing) => sha256Hex(existing) === manifest.sha256)
    await this.writeOnce(item, json, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'), (existing) => this.readManifest(item, json, existing).sha256 === manifest.sha256)
    await fsyncDir(this.dir)
    return { channel: this.id, kind: 'export', at, files: [txt, json] }
  }

  /** Writes `data` to `path` atomically unless an equivalent file is already there; never replaces another one. */
  private async writeOnce(item: PublishItem, path: string, data: Buffer, same: (existing: Buffer) => boolean): Promise<void> {
    const existing = await readIfExists(path)
    if (existing !== undefined) {
      if (same(existing)) return
      throw this.conflict(item, path, 'its content differs')
    }
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
    const handle = await open(tmp, 'wx', 0o644)
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      try {
        await link(tmp, path) // atomic and no-clobber: fails with EEXIST if another writer got there first
      } catch (err) {
        if (code(err) === 'EEXIST') {
          const other = await readFile(path)
          if (!same(other)) throw this.conflict(item, path, 'another process wrote a different file at the same moment')
          return
        }
        if (!NO_HARD_LINKS.has(code(err) ?? '')) throw err
        if ((await readIfExists(path)) !== undefined) throw this.conflict(item, path, 'it appeared while writing')
        await rename(tmp, path)
      }
    } finally {
      await unlink(tmp).catch(() => undefined)
    }
  }

  private readManifest(item: PublishItem, path: string, bytes: Buffer): Partial<ExportManifest> {
    try {
      const value: unknown = JSON.parse(bytes.toString('utf8'))
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Partial<ExportManifest>
    } catch {
      // reported below
    }
    throw this.conflict(item, path, 'it is not a lianxin export file (not a JSON object)')
  }

  private conflict(item: PublishItem, path: string, why: string): RefusedError {
    return new RefusedError(`${this.id}: ${path} already exists for ${describeItem(item)}, but ${why}, not ${item.textSha256.slice(0, 16)}… of the signed text; it is not overwritten`, {
      code: 'PUBLISH_CONFLICT',
      suggestions: [
        'Someone edited the exported file, or another lianxin store exported a different text under the same ticket and version.',
        `Compare the file with the signed text of ${describeItem(item)}; move the file away if it is wrong, then publish again.`,
      ],
      details: { channel: this.id, file: path, ticketId: item.ticketId, version: item.version, expected: item.textSha256 },
    })
  }
}
