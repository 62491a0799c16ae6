/**
 * Decodes an HTML or XML body: charset from the Content-Type header, else from a
 * `<meta charset>` / `<meta http-equiv>` / `<?xml encoding?>` in the first 2 KB, else a BOM,
 * else UTF-8. GBK and GB2312 pages are read as GB18030 (a superset), which Node's
 * TextDecoder knows.
 */
export function decodeBody(body: Uint8Array, contentType: string | undefined | null): { text: string; charset: string } {
  const charset = normaliseCharset(fromContentType(contentType) ?? sniff(body) ?? fromBom(body) ?? 'utf-8')
  try {
    return { text: new TextDecoder(charset).decode(body), charset }
  } catch {
    return { text: new TextDecoder('utf-8').decode(body), charset: 'utf-8' }
  }
}

function fromContentType(contentType: string | undefined | null): string | undefined {
  return /charset\s*=\s*["']?([\w-]+)/i.exec(contentType ?? '')?.[1]
}

function sniff(body: Uint8Array): string | undefined {
  const head = new TextDecoder('latin1').decode(body.subarray(0, 2048))
  return (
    /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1] ?? /<\?xml[^>]+encoding\s*=\s*["']([\w-]+)["']/i.exec(head)?.[1]
  )
}

function fromBom(body: Uint8Array): string | undefined {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8'
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le'
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be'
  return undefined
}

function normaliseCharset(name: string): string {
  const lower = name.toLowerCase()
  if (lower === 'gbk' || lower === 'gb2312' || lower === 'x-gbk' || lower === 'gb_2312-80') return 'gb18030'
  return lower
}
