/**
 * Text helpers for notifications: making citizens' words inert in chat markdown, clipping to
 * platform limits by UTF-8 bytes, and redacting webhook keys and secrets from error messages.
 *
 * Everything a citizen wrote (ticket titles, facts quoted from a post, urgency cues) passes
 * through {@link inertMarkdown} before it is put into a WeCom, DingTalk or Feishu message, so
 * a post cannot add a link, an @-mention, a coloured `<font>`, a heading or a code block to
 * the message a leader reads. The markdown subsets of these platforms do not reliably honour
 * backslash escapes, so the characters that carry syntax are swapped for their full-width
 * forms (［ ］ ＜ ＞ ＊ ＿ …), which read naturally in Chinese text and carry no syntax anywhere.
 */

/** Zero-width characters and bidirectional overrides: invisible, and used to hide or reorder text. */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g

/** Markdown (and the platforms' HTML-ish tags, mentions and entities) → inert full-width forms. */
const MARKDOWN_SWAPS: Readonly<Record<string, string>> = {
  '\\': '＼',
  '[': '［',
  ']': '］',
  '<': '＜',
  '>': '＞',
  '*': '＊',
  _: '＿',
  '`': '｀',
  '~': '～',
  '#': '＃',
  '|': '｜',
  '@': '＠',
  '&': '＆',
  $: '＄',
}
const MARKDOWN_SPECIAL = /[\\[\]<>*_`~#|@&$]/g

/**
 * One line of plain text: newlines and tabs become spaces, control and invisible characters
 * go, runs of spaces shrink to one. Used for every field a message shows on one line.
 */
export function oneLine(text: string): string {
  return text.replace(CONTROL, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim()
}

/**
 * Breaks what a chat client or mail reader would turn into a link by itself: `scheme://` becomes
 * `scheme：//` and a leading `www.` becomes `www．`. The address stays readable for a person.
 */
export function defang(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*):\/\//gi, '$1：//').replace(/\bwww\./gi, 'www．')
}

/** Cuts `text` to at most `max` characters (code points), ending with … when cut. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text)
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`
}

/**
 * A citizen's (or any untrusted) text made safe to put inside WeCom, DingTalk or Feishu
 * markdown: one line, clipped to `max` characters, links defanged and every character that
 * carries markdown, tag, mention or entity syntax swapped for its full-width form.
 */
export function inertMarkdown(text: string, max = 500): string {
  return clip(defang(oneLine(text)), max).replace(MARKDOWN_SPECIAL, (c) => MARKDOWN_SWAPS[c] ?? c)
}

/** Untrusted text for a plain-text message (email, the webhook's `text`): one line, clipped, defanged. */
export function inertPlain(text: string, max = 500): string {
  return clip(defang(oneLine(text)), max)
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
}

/** A command shown as code: one line, no backticks (they would end the code span). */
export function commandText(text: string): string {
  return oneLine(text).replace(/`/g, "'")
}

/** Size of `text` in UTF-8 bytes, the unit the platforms count in. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** The longest prefix of `text` (whole code points) that fits in `maxBytes` UTF-8 bytes. */
export function cutToBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text
  let out = ''
  let used = 0
  for (const ch of text) {
    const size = utf8Bytes(ch)
    if (used + size > maxBytes) break
    out += ch
    used += size
  }
  return out
}

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, on a line boundary where possible, with
 * `note` appended on its own line when anything was cut (the note is counted in the limit).
 */
export function truncateBytes(text: string, maxBytes: number, note: string): { text: string; truncated: boolean } {
  if (utf8Bytes(text) <= maxBytes) return { text, truncated: false }
  const budget = maxBytes - utf8Bytes(`\n${note}`)
  if (budget <= 0) return { text: cutToBytes(note, maxBytes), truncated: true }
  const lines = text.split('\n')
  const kept: string[] = []
  let used = 0
  for (const line of lines) {
    const size = utf8Bytes(line) + (kept.length > 0 ? 1 : 0)
    if (used + size > budget) {
      if (kept.length === 0) kept.push(cutToBytes(line, budget))
      break
    }
    kept.push(line)
    used += size
  }
  return { text: `${kept.join('\n').replace(/\s+$/, '')}\n${note}`, truncated: true }
}

/**
 * Removes credentials from a message before it is logged or recorded: query parameters that
 * carry webhook keys, tokens or signatures, passwords in URLs, Feishu hook tokens in paths,
 * and any of the given secret values wherever they appear.
 */
export function redact(message: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = message
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('***')
  }
  return out
    .replace(/([?&](?:key|access_token|token|sign|signature|secret|timestamp)=)[^&\s"'<>]+/gi, '$1***')
    .replace(/(\/\/[^/\s:@]+:)[^@/\s]+@/g, '$1***@')
    .replace(/(\/hook\/)[A-Za-z0-9._~-]+/g, '$1***')
}
