import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { UsageError } from '../../src/errors.js'
import type { LabelledText } from './model.js'

export interface DataOptions {
  /** Fields joined (with a newline) into the text, e.g. ['title', 'body']. */
  text: string[]
  label: string
}

/**
 * Reads labelled texts from JSONL (one object per line) or CSV (a header row; quoted fields
 * with "" escapes). Every problem names the file, the line and the field.
 */
export async function readLabelled(files: string[], options: DataOptions): Promise<LabelledText[]> {
  const docs: LabelledText[] = []
  for (const file of files) {
    let content: string
    try {
      content = await readFile(file, 'utf8')
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`)
    }
    const rows = file.endsWith('.csv') ? csvRows(content, file) : jsonlRows(content, file)
    for (const { line, row } of rows) {
      const label = row[options.label]
      if (typeof label !== 'string' || label.trim() === '') throw new UsageError(`${basename(file)}:${line}: no "${options.label}" (the label field; set it with --label)`)
      const parts = options.text.map((f) => row[f])
      if (parts.every((p) => typeof p !== 'string' || p.trim() === '')) {
        throw new UsageError(`${basename(file)}:${line}: none of the text fields ${options.text.map((f) => `"${f}"`).join(', ')} has text (set them with --text)`)
      }
      docs.push({ text: parts.filter((p): p is string => typeof p === 'string').join('\n'), label: label.trim() })
    }
  }
  if (docs.length === 0) throw new UsageError(`no labelled rows in ${files.join(', ')}`)
  return docs
}

function jsonlRows(content: string, file: string): Array<{ line: number; row: Record<string, unknown> }> {
  const out: Array<{ line: number; row: Record<string, unknown> }> = []
  content.split('\n').forEach((text, i) => {
    if (text.trim() === '') return
    try {
      const row = JSON.parse(text) as unknown
      if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new Error('not an object')
      out.push({ line: i + 1, row: row as Record<string, unknown> })
    } catch (err) {
      throw new UsageError(`${basename(file)}:${i + 1}: not a JSON object (${(err as Error).message})`)
    }
  })
  return out
}

function csvRows(content: string, file: string): Array<{ line: number; row: Record<string, unknown> }> {
  const records: Array<{ line: number; cells: string[] }> = []
  let cells: string[] = []
  let cell = ''
  let quoted = false
  let line = 1
  let start = 1
  for (let i = 0; i < content.length; i++) {
    const ch = content[i]!
    if (quoted) {
      if (ch === '"' && content[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else {
        if (ch === '\n') line++
        cell += ch
      }
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      cells.push(cell)
      cell = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && content[i + 1] === '\n') i++
      cells.push(cell)
      if (cells.some((c) => c !== '')) records.push({ line: start, cells })
      cells = []
      cell = ''
      line++
      start = line
    } else cell += ch
  }
  if (quoted) throw new UsageError(`${basename(file)}:${start}: a quoted field is not closed`)
  cells.push(cell)
  if (cells.some((c) => c !== '')) records.push({ line: start, cells })
  const [header, ...body] = records
  if (!header) return []
  const names = header.cells.map((h) => h.trim().replace(/^\uFEFF/, ''))
  return body.map((r) => ({ line: r.line, row: Object.fromEntries(names.map((n, i) => [n, r.cells[i] ?? ''])) }))
}
