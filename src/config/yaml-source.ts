/**
 * Reading lianxin.yaml as text and as a YAML document, and finding where a key path sits in
 * the file, so every problem can be reported as `file:line:column`.
 */
import { LineCounter, isMap, isNode, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml'
import type { ConfigIssue } from './issues.js'

/** A path into the document, as zod reports it: keys and array indices. */
export type KeyPath = readonly PropertyKey[]

/** A 1-based position in the file. */
export interface Position {
  line: number
  column: number
}

/** Offset of the first byte that is not valid UTF-8, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0
    if (lead < 0x80) {
      i++
      continue
    }
    const need = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0
    if (need === 0 || i + need >= bytes.length) return i
    const second = bytes[i + 1] ?? 0
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    if ((lead === 0xe0 && second < 0xa0) || (lead === 0xed && second > 0x9f) || (lead === 0xf0 && second < 0x90) || (lead === 0xf4 && second > 0x8f)) return i
    for (let k = 1; k <= need; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i
    i += need + 1
  }
  return -1
}

/** True if the bytes (the line with the bad byte) read as GBK text containing Chinese. */
function looksLikeGbk(bytes: Uint8Array): boolean {
  try {
    return /\p{Script=Han}/u.test(new TextDecoder('gbk', { fatal: true }).decode(bytes))
  } catch {
    return false
  }
}

/** What goes wrong when the bytes of a config file are not UTF-8, as one located issue. */
export function encodingIssue(bytes: Uint8Array, fileName: string): ConfigIssue | undefined {
  const offset = firstInvalidUtf8(bytes)
  if (offset < 0) return undefined
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  const byte = (bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0')
  const lineEnd = bytes.indexOf(0x0a, offset)
  const hint = looksLikeGbk(bytes.subarray(lineStart, lineEnd < 0 ? bytes.length : lineEnd)) ? 'it looks like GBK? re-save it as UTF-8, e.g. iconv -f GBK -t UTF-8' : 're-save it as UTF-8'
  const name = fileName.split(/[\\/]/).pop() ?? fileName
  return {
    path: '',
    line,
    column: offset - lineStart + 1,
    message: `byte 0x${byte} at byte offset ${offset} is not UTF-8: ${name} must be UTF-8 (${hint})`,
    expected: 'UTF-8 text',
  }
}

/** Decodes config bytes as strict UTF-8 and strips a BOM; returns an issue instead when it cannot. */
export function decodeConfig(input: string | Uint8Array, fileName: string): { text: string } | { issue: ConfigIssue } {
  let text: string
  if (typeof input === 'string') {
    text = input
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input)
    } catch {
      const issue = encodingIssue(input, fileName) ?? { path: '', line: 1, column: 1, message: `${fileName} is not valid UTF-8` }
      return { issue: { ...issue, path: keyOnLine(new TextDecoder('utf-8').decode(input), issue.line ?? 1) } }
    }
  }
  return { text: text.startsWith('\uFEFF') ? text.slice(1) : text }
}

/** The key path written on a line (best effort, for locating an encoding problem). */
function keyOnLine(text: string, line: number): string {
  return formatPath(new YamlSource(text).keyPathOnLine(line))
}

/** A parsed YAML document that can say where a key path is. */
export class YamlSource {
  readonly doc: Document
  private readonly lines = new LineCounter()

  constructor(private readonly text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines, keepSourceTokens: true, uniqueKeys: true, prettyErrors: true, merge: true })
  }

  /** 1-based line and column of a character offset. */
  position(offset: number): Position {
    const { line, col } = this.lines.linePos(offset)
    return { line, column: col }
  }

  private nodeAt(path: KeyPath): unknown {
    return path.length === 0 ? this.doc.contents : this.doc.getIn(path as unknown[], true)
  }

  private start(node: unknown): Position | undefined {
    return isNode(node) && node.range ? this.position(node.range[0]) : undefined
  }

  /**
   * Where the value at `path` is; for a key that is missing, where its nearest existing parent
   * starts. With `key: true`, where the key itself is written (for unknown keys).
   */
  locate(path: KeyPath, options: { key?: boolean } = {}): Position | undefined {
    if (options.key === true && path.length > 0) {
      const parent = this.nodeAt(path.slice(0, -1))
      const last = path[path.length - 1]
      if (isMap(parent)) {
        const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === String(last))
        const at = pair === undefined ? undefined : this.start(pair.key)
        if (at !== undefined) return at
      }
    }
    for (let depth = path.length; depth >= 0; depth--) {
      const at = this.start(this.nodeAt(path.slice(0, depth)))
      if (at !== undefined) return at
    }
    return undefined
  }

  /** Offset of the first character on a 1-based line that is not indentation or a list dash. */
  private firstKeyOffset(line: number): number {
    let offset = this.lines.lineStarts[line - 1] ?? 0
    while (this.text[offset] === ' ' || this.text[offset] === '-') offset++
    return offset
  }

  /** The key path of the deepest key or value whose source covers `offset`. */
  pathAt(offset: number): PropertyKey[] {
    const path: PropertyKey[] = []
    const covers = (node: unknown): boolean => isNode(node) && node.range !== undefined && node.range !== null && node.range[0] <= offset && offset < Math.max(node.range[2], node.range[0] + 1)
    let node: unknown = this.doc.contents
    for (;;) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && (covers(item.key) || covers(item.value)))
        if (pair === undefined || !isScalar(pair.key)) return path
        path.push(String(pair.key.value))
        if (covers(pair.key)) return path
        node = pair.value
      } else if (isSeq(node)) {
        const index = node.items.findIndex(covers)
        if (index < 0) return path
        path.push(index)
        node = node.items[index]
      } else {
        return path
      }
    }
  }

  /** The key path written on a 1-based line. */
  keyPathOnLine(line: number): PropertyKey[] {
    return this.pathAt(this.firstKeyOffset(line))
  }

  /** YAML syntax problems (including duplicate keys) as located issues. */
  syntaxIssues(): ConfigIssue[] {
    return this.doc.errors.map((error) => {
      const offset = error.pos[0]
      const { line, column } = this.position(offset)
      // Duplicate keys are located exactly; for other syntax errors name the key on that line.
      const path = error.code === 'DUPLICATE_KEY' ? this.pathAt(offset) : this.keyPathOnLine(line)
      let message = `YAML syntax: ${(error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '')}`
      if (error.code === 'DUPLICATE_KEY') {
        const parent = this.nodeAt(path.slice(0, -1))
        const key = String(path[path.length - 1] ?? '')
        const first = isMap(parent) ? parent.items.find((item) => isScalar(item.key) && String(item.key.value) === key) : undefined
        const firstAt = first === undefined ? undefined : this.start(first.key)
        message = `duplicate key "${key}"${firstAt !== undefined && firstAt.line !== line ? ` (first defined at line ${firstAt.line})` : ''}; each key may appear once`
      }
      return { path: formatPath(path), line, column, message }
    })
  }
}

/** `['zones', 3, 'id']` → `zones[3].id`; the empty path is `''`. */
export function formatPath(path: KeyPath): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}
