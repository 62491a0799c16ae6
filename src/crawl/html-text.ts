import * as cheerio from 'cheerio'

/** Visible text of an HTML fragment: block elements become line breaks, whitespace collapsed. */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return collapse(html)
  const $ = cheerio.load(`<body>${html}</body>`)
  $('script, style, noscript').remove()
  $('br').replaceWith('\n')
  $('p, div, li, h1, h2, h3, h4, h5, h6, section, tr').each((_, el) => {
    $(el).append('\n')
  })
  return collapse($('body').text())
}

function collapse(text: string): string {
  return text
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((line) => line.replace(/[ \t\r\f\v]+/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n')
}
