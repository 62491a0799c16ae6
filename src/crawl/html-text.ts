import { decodeHTML } from 'entities'

const DROP = /<(script|style|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>|<!--[\s\S]*?-->/gi
const BREAK = /<br\s*\/?>|<\/?(?:p|div|li|ul|ol|h[1-6]|section|article|header|footer|tr|table|blockquote|pre|dd|dt|dl|figure|figcaption)\b[^>]*>/gi
const TAG = /<\/?[a-zA-Z][^>]*>/g

/**
 * Visible text of an HTML fragment or page: scripts, styles and comments dropped, block elements
 * and `<br>` become line breaks, other tags are removed, entities decoded, whitespace collapsed.
 * A linear scan with no DOM: crawls call it for every post, often on serialised cheerio nodes.
 */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return collapse(html)
  return collapse(decodeHTML(html.replace(DROP, ' ').replace(BREAK, '\n').replace(TAG, '')))
}

function collapse(text: string): string {
  return text
    .replace(/\u00a0|\u3000/g, ' ')
    .split('\n')
    .map((line) => line.replace(/[ \t\r\f\v]+/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n')
}
