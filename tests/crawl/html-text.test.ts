import { describe, expect, it } from 'vitest'
import { htmlToText } from '../../src/crawl/html-text.js'

describe('htmlToText', () => {
  it('keeps the visible text with block elements on their own lines', () => {
    const html = '<div><h1>关于供热的通知</h1><p>各位居民：</p><p>今年供热<b>10月20日</b>开始。<br>如有问题请拨打&nbsp;12345。</p><ul><li>一</li><li>二</li></ul></div>'
    expect(htmlToText(html)).toBe('关于供热的通知\n各位居民：\n今年供热10月20日开始。\n如有问题请拨打 12345。\n一\n二')
  })

  it('drops scripts, styles and comments, and decodes entities', () => {
    expect(htmlToText('<style>p{}</style><script>var a = "<p>x</p>"</script><!-- hidden --><span>A&amp;B &lt;平房&gt; &#x5E73;&#25151;</span>')).toBe('A&B <平房> 平房')
  })

  it('leaves plain text as it is, apart from spaces', () => {
    expect(htmlToText('  兴建街道   北厂文化小区 \n\n 路灯 ')).toBe('兴建街道 北厂文化小区\n路灯')
  })
})
