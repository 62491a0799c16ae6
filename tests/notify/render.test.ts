import { describe, expect, it } from 'vitest'
import {
  LIMITS,
  actionParts,
  digestKey,
  formatTime,
  renderDigest,
  renderDingtalk,
  renderEmail,
  renderFeishu,
  renderText,
  renderWebhook,
  renderWecom,
  wecomFits,
  type Notification,
} from '../../src/notify/message.js'
import { inertMarkdown, redact, truncateBytes } from '../../src/notify/text.js'
import { PEOPLE, breach } from './helpers.js'

const options = { people: PEOPLE, timeZone: 'Asia/Shanghai' }

/** A citizen's post that tries every trick the three markdown dialects know. */
const HOSTILE =
  '供暖不热！点这里[领取补贴](http://evil.example/x) <font color="info">已办结</font> <@all> @13800000000 ' +
  '**加急** <at id=all></at> <at user_id="all">所有人</at> ![img](http://evil.example/p.png) `code` ~~删除~~ ' +
  'www.evil.example &lt;b&gt; \n# 假标题\n> 假引用 dingtalk://dingtalkclient/page/link?url=x'

describe('rendering', () => {
  it('WeCom: markdown with heading, ticket, facts, cues, command and display names', () => {
    const content = renderWecom(breach(12), options).markdown.content
    expect(content).toContain('### <font color="warning">【特急】</font>超时督办：一旬答复已超时 2 天')
    expect(content).toContain('> 工单 **#12**　宝融福园12号楼供暖不热')
    expect(content).toContain('> 状态：办理中　责任区：兴建街道　牵头：平房区物业管理办公室')
    expect(content).toContain('> [打开工单](https://lianxin.pingfang.example/tickets/12)')
    expect(content).toContain('- 答复时限：2026-11-26 09:12（已超 2 天）')
    expect(content).toContain('紧急信号：<font color="warning">老人、停暖</font>')
    expect(content).toContain('**请办理：**请督促承办单位今日内答复： `lianxin ticket show 12`')
    expect(content).toContain('<font color="comment">2026-11-28 16:00 · 致：刘局长、王副区长</font>')
    expect(content).not.toContain('<@') // no mention ids configured
  })

  it('WeCom: mentions only configured user ids, written <@userid> in the content', () => {
    const content = renderWecom(breach(12), { ...options, mentions: { liuju: 'LiuJu' } }).markdown.content
    expect(content.trimEnd().endsWith('<@LiuJu>')).toBe(true)
    expect(content).not.toContain('<@wangqu>')
  })

  it('DingTalk: title + text, @ of mobiles from the users (and in the text, or DingTalk will not highlight them)', () => {
    const message = renderDingtalk(breach(7), options)
    expect(message.msgtype).toBe('markdown')
    expect(message.markdown.title).toBe('【特急】超时督办：一旬答复已超时 2 天')
    expect(message.markdown.text).toContain('### 【特急】超时督办：一旬答复已超时 2 天')
    expect(message.markdown.text).toContain('\n\n> 工单 **#7**')
    expect(message.at).toEqual({ atMobiles: ['13800000004', '13800000005'], atUserIds: [], isAtAll: false })
    expect(message.markdown.text.trimEnd().endsWith('@13800000004 @13800000005')).toBe(true)
  })

  it('Feishu: interactive card, red header for 特急, one markdown element, <at> for mapped open_ids', () => {
    const message = renderFeishu(breach(3, { urgency: '一般', kind: 'sign-request', title: '答复第 2 版待您审签' }), { ...options, mentions: { wangqu: 'ou_abc123' } })
    expect(message.msg_type).toBe('interactive')
    expect(message.card.header).toEqual({ template: 'blue', title: { tag: 'plain_text', content: '【一般】待审签：答复第 2 版待您审签' } })
    expect(message.card.elements).toHaveLength(1)
    const element = message.card.elements[0] as { tag: string; content: string }
    expect(element.tag).toBe('markdown')
    expect(element.content).toContain('工单 **#3**')
    expect(element.content).toContain('`lianxin ticket show 3`')
    expect(element.content).toContain('<at id=ou_abc123></at>')
    expect(renderFeishu(breach(3), options).card.header.template).toBe('red')
  })

  it.each([
    ['wecom', (n: Notification) => renderWecom(n, options).markdown.content],
    ['dingtalk', (n: Notification) => JSON.stringify(renderDingtalk(n, options))],
    ['feishu', (n: Notification) => JSON.stringify(renderFeishu(n, options))],
  ])('%s: a citizen cannot inject links, mentions, images, colours or headings', (_, render) => {
    const n = breach(9, {
      title: HOSTILE,
      ticket: { id: 9, title: HOSTILE, status: '办理中', url: 'https://lianxin.pingfang.example/tickets/9' },
      lines: [HOSTILE],
      cues: ['<@all>', '[x](http://a.b)'],
    })
    const out = render(n)
    expect(out.match(/\]\(/g)).toHaveLength(1) // the only link is lianxin's own
    expect(out).not.toMatch(/\]\(https?:\/\/evil/)
    expect(out).not.toContain('<font color="info">')
    expect(out).not.toContain('<@all>')
    expect(out).not.toContain('@13800000000')
    expect(out).not.toContain('<at id=all>')
    expect(out).not.toContain('<at user_id')
    expect(out).not.toContain('**加急**')
    expect(out).not.toContain('http://evil')
    expect(out).not.toContain('www.evil')
    expect(out).not.toContain('dingtalk://')
    expect(out).not.toMatch(/\n# 假标题/)
    expect(out).not.toMatch(/\n> 假引用/)
    expect(out).toContain('［领取补贴］') // still readable
    expect(out).toContain('http：//evil.example')
    expect(out).toContain('[打开工单](https://lianxin.pingfang.example/tickets/9)') // our own link stays
  })

  it('inertMarkdown keeps Chinese text and swaps only syntax', () => {
    expect(inertMarkdown('哈南新城 第3小区 停水已2天，老人无法做饭')).toBe('哈南新城 第3小区 停水已2天，老人无法做饭')
    expect(inertMarkdown('a*b_c`d#e|f<g>h[i]j@k&l~m\\n')).toBe('a＊b＿c｀d＃e｜f＜g＞h［i］j＠k＆l～m＼n')
    expect(inertMarkdown('x\u202ey\u200bz')).toBe('xyz')
  })

  it('WeCom: content longer than 4096 bytes is cut on a line boundary with a note, whole characters only', () => {
    const n = breach(5, { lines: Array.from({ length: 80 }, (_, i) => `第${i + 1}条：群众反映供暖温度不达标，室温仅十二度，家中有老人和婴儿，多次拨打热线未果`) })
    expect(wecomFits(n, options)).toBe(false)
    const content = renderWecom(n, options).markdown.content
    expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(LIMITS.wecomContentBytes)
    expect(content).toContain('- 第1条')
    expect(content.endsWith('（内容过长，已截断；完整内容请在 lianxin 中查看）')).toBe(true)
    expect(Buffer.from(content, 'utf8').toString('utf8')).toBe(content)
    expect(wecomFits(breach(5), options)).toBe(true)
  })

  it('DingTalk and Feishu stay under their 20000-byte / 20 KB body limits', () => {
    const n = breach(5, { lines: Array.from({ length: 400 }, (_, i) => `第${i + 1}条：群众反映供暖温度不达标，室温仅十二度，家中有老人和婴儿`) })
    expect(Buffer.byteLength(JSON.stringify(renderDingtalk(n, options)))).toBeLessThanOrEqual(LIMITS.dingtalkBodyBytes)
    expect(Buffer.byteLength(JSON.stringify(renderFeishu(n, options))) + 200).toBeLessThanOrEqual(LIMITS.feishuBodyBytes)
  })

  it('truncateBytes never splits a character', () => {
    const { text, truncated } = truncateBytes('供暖不热'.repeat(10), 20, '…')
    expect(truncated).toBe(true)
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(20)
    expect(text).toBe('供暖不热供\n…')
  })

  it('digest: counts by kind, one line per ticket, the highest urgency, every recipient, a stable key', () => {
    const items = [
      breach(1),
      breach(2, { kind: 'clock-warning', urgency: '紧急', key: 'clock:2:reply:warning', title: '一旬答复还剩 2 天', recipients: ['lina'] }),
      breach(3, { kind: 'clock-warning', urgency: '一般', key: 'clock:3:accept:warning', title: '一时接访还剩 12 分钟', recipients: ['zhangwei'] }),
    ]
    const digest = renderDigest(items)
    expect(digest.kind).toBe('digest')
    expect(digest.urgency).toBe('特急')
    expect(digest.recipients).toEqual(['liuju', 'wangqu', 'lina', 'zhangwei'])
    expect(digest.items?.map((i) => i.key)).toEqual(['clock:1:reply:breach', 'clock:2:reply:warning', 'clock:3:accept:warning'])
    expect(digest.key).toBe(digestKey(items.map((i) => i.key)))
    expect(renderDigest([renderDigest(items.slice(0, 2)), items[2]!]).key).toBe(digest.key) // nested digests flatten
    const content = renderWecom(digest, options).markdown.content
    expect(content).toContain('【特急】</font>提醒汇总：3 条提醒')
    expect(content).toContain('**共 3 条**：时限预警 2 · 超时督办 1')
    for (const id of [1, 2, 3]) expect(content.match(new RegExp(`#${id} 宝融福园${id}号楼供暖不热`, 'g'))).toHaveLength(1)
    expect(content).toContain('`lianxin ticket show 2`')
    expect(renderText(digest, options)).toContain('- 【紧急】时限预警 #2 宝融福园2号楼供暖不热 · 一旬答复还剩 2 天 · lianxin ticket show 2')
  })

  it('generic webhook JSON: raw fields, display names, and a safe text rendering', () => {
    const payload = renderWebhook(breach(4, { lines: ['见 http://evil.example'] }), options)
    expect(payload).toMatchObject({ type: 'lianxin.notification', version: 1, key: 'clock:4:reply:breach', kind: 'clock-breach', kindLabel: '超时督办', urgency: '特急' })
    expect(payload.recipients).toEqual([{ name: 'liuju', displayName: '刘局长' }, { name: 'wangqu', displayName: '王副区长' }])
    expect(payload.lines).toEqual(['见 http://evil.example'])
    expect(payload.text).toContain('- 见 http：//evil.example')
    const digest = renderWebhook(renderDigest([breach(1), breach(2)]), options)
    expect(digest.items?.map((i) => i.key)).toEqual(['clock:1:reply:breach', 'clock:2:reply:breach'])
  })

  it('email: subject, plain text, HTML with everything escaped', () => {
    const email = renderEmail(breach(8, { lines: ['<script>alert(1)</script>'] }), options)
    expect(email.subject).toBe('[lianxin]【特急】超时督办 #8：一旬答复已超时 2 天')
    expect(email.text).toContain('工单 #8 宝融福园8号楼供暖不热')
    expect(email.text).toContain('请办理：请督促承办单位今日内答复： lianxin ticket show 8')
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(email.html).not.toContain('<script>')
    expect(email.html).toContain('<a href="https://lianxin.pingfang.example/tickets/8">打开工单</a>')
    expect(email.html).toContain('<code>lianxin ticket show 8</code>')
  })

  it('only http(s) ticket URLs become links', () => {
    const content = renderWecom(breach(1, { ticket: { id: 1, title: 't', status: 's', url: 'javascript:alert(1)' } }), options).markdown.content
    expect(content).not.toContain('javascript')
    expect(content).not.toContain('打开工单')
  })

  it('splits an action into prose and the command', () => {
    expect(actionParts('请审签：`lianxin reply sign 3 --as liuju`')).toEqual([
      { code: false, text: '请审签：' },
      { code: true, text: 'lianxin reply sign 3 --as liuju' },
    ])
    expect(actionParts('请运行 lianxin ticket show 3')).toEqual([
      { code: false, text: '请运行 ' },
      { code: true, text: 'lianxin ticket show 3' },
    ])
    expect(actionParts('请尽快处理')).toEqual([{ code: false, text: '请尽快处理' }])
  })

  it('formats times in the district zone', () => {
    expect(formatTime('2026-11-28T16:30:00Z')).toBe('2026-11-29 00:30')
  })

  it('redacts webhook keys, tokens, signatures, passwords and secrets', () => {
    expect(redact('POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123 failed')).toBe('POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=*** failed')
    expect(redact('https://oapi.dingtalk.com/robot/send?access_token=tok&timestamp=1&sign=a%2Bb')).toBe('https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=***&sign=***')
    expect(redact('smtps://bureau:p%40ss@smtp.example.cn:465')).toBe('smtps://bureau:***@smtp.example.cn:465')
    expect(redact('https://open.feishu.cn/open-apis/bot/v2/hook/2f1e-77aa')).toBe('https://open.feishu.cn/open-apis/bot/v2/hook/***')
    expect(redact('signed with SECdeadbeef', ['SECdeadbeef'])).toBe('signed with ***')
  })
})
