import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startReplica, type Replica } from '../../fixtures/replica/server.js'
import { backofficeState, normaliseReply } from '../../fixtures/replica/sites/backoffice.js'
import type { LiuyanThread } from '../../fixtures/replica/content/types.js'

let replica: Replica
beforeAll(async () => {
  replica = await startReplica({ port: 0, crawlDelay: 0 })
})
afterAll(async () => {
  await replica.close()
})
beforeEach(() => {
  replica.reset()
})

const bo = (path: string) => `${replica.url}/backoffice${path}`
const post = (path: string, form: Record<string, string>, cookie?: string) =>
  fetch(bo(path), { method: 'POST', body: new URLSearchParams(form), redirect: 'manual', headers: cookie ? { cookie } : {} })
const get = (path: string, cookie?: string) => fetch(bo(path), { redirect: 'manual', headers: cookie ? { cookie } : {} })
const open = (): LiuyanThread => replica.corpus.threads.map((r) => r.data).find((t) => [91001, 91002].includes(t.fid) && t.answerContent === null)!

async function login(): Promise<string> {
  const res = await post('/login', { username: 'pingfang', password: 'replica-pass', next: '/' })
  expect(res.status).toBe(302)
  expect(res.headers.get('location')).toBe(bo('/'))
  const cookie = res.headers.get('set-cookie')!
  expect(cookie).toMatch(/^JSESSIONID=[0-9a-f]{32}; Path=\/backoffice; HttpOnly; SameSite=Lax$/)
  return cookie.split(';')[0]!
}

const csrfOf = (html: string) => /name="csrfToken" value="([0-9a-f]+)"/.exec(html)?.[1] ?? ''

describe('replica back office', () => {
  it('sends visitors without a session to the login page, and refuses a wrong password', async () => {
    const res = await get(`/thread?tid=${open().tid}`)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(bo(`/login?next=${encodeURIComponent(`/thread?tid=${open().tid}`)}`))
    const wrong = await post('/login', { username: 'pingfang', password: 'nope' })
    expect(wrong.status).toBe(200)
    expect(await wrong.text()).toContain('<p class="login-error">用户名或密码错误</p>')
    expect(wrong.headers.get('set-cookie')).toBeNull()
  })

  it('shows the thread with a CSRF-protected form, stores a reply once and then shows it instead of the form', async () => {
    const cookie = await login()
    const t = open()
    const page = await (await get(`/thread?tid=${t.tid}`, cookie)).text()
    expect(page).toContain('<form id="replyForm" method="post" action="reply">')
    expect(page).toContain(`<a class="public-link" href="${replica.url}/liuyan/threads/content?tid=${t.tid}"`)
    const csrf = csrfOf(page)

    expect((await post('/reply', { tid: String(t.tid), content: '答复', csrfToken: 'forged' }, cookie)).status).toBe(403)
    const empty = await post('/reply', { tid: String(t.tid), content: ' \r\n ', csrfToken: csrf }, cookie)
    expect(empty.status).toBe(400)
    expect(await empty.text()).toContain('回复内容不能为空。')
    const ok = await post('/reply', { tid: String(t.tid), content: '  您好：\r\n已处理。  \r\n', csrfToken: csrf }, cookie)
    expect(ok.status).toBe(302)
    expect(ok.headers.get('location')).toBe(bo(`/thread?tid=${t.tid}&saved=1`))
    expect(t).toMatchObject({ stateInfo: '已办理', traceInfo: '已回复', processInfo: '已办结', answerContent: '您好：\n已处理。', answerOrganization: '哈尔滨市平房区人民政府' })

    const shown = await (await get(`/thread?tid=${t.tid}&saved=1`, cookie)).text()
    expect(shown).toContain('<div class="reply-content">您好：<br>已处理。</div>')
    expect(shown).toContain('回复已提交')
    expect(shown).not.toContain('replyForm')
    const again = await post('/reply', { tid: String(t.tid), content: '再答复一次', csrfToken: csrf }, cookie)
    expect(again.status).toBe(409)
    expect(await again.text()).toContain('该留言已回复，不能重复回复。')
    expect(backofficeState(replica.corpus).replies).toHaveLength(1)
  })

  it('hides threads of other units\' boards', async () => {
    const cookie = await login()
    const nangang = replica.corpus.threads.find((r) => r.data.fid === 91011)!.data
    const res = await get(`/thread?tid=${nangang.tid}`, cookie)
    expect(res.status).toBe(404)
    expect(await res.text()).toContain(`留言 ${nangang.tid} 不存在或不属于本单位办理。`)
  })

  it('is driven by the control API: replies, sensitive words, expired sessions', async () => {
    const cookie = await login()
    const control = (body?: unknown) =>
      fetch(`${replica.url}/__control/backoffice`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json() as Promise<Record<string, unknown>>)
    expect(await control({ sensitiveWords: ['上访'] })).toMatchObject({ ok: true, sensitiveWords: ['上访'], sessions: 1 })
    const t = open()
    const csrf = csrfOf(await (await get(`/thread?tid=${t.tid}`, cookie)).text())
    await post('/reply', { tid: String(t.tid), content: '不必进京上访', csrfToken: csrf }, cookie)
    expect(await control()).toMatchObject({
      accounts: [{ username: 'pingfang', organization: '哈尔滨市平房区人民政府', fids: [91001, 91002] }],
      replies: [{ tid: t.tid, content: '不必进京**', submitted: '不必进京上访', username: 'pingfang' }],
    })
    expect(await control({ expireSessions: true })).toMatchObject({ sessions: 0 })
    expect((await get('/', cookie)).status).toBe(302)
    expect((await fetch(`${replica.url}/__control/backoffice`, { method: 'POST', body: '{"sensitiveWords":"x"}' })).status).toBe(400)
  })

  it('normalises replies as documented', () => {
    expect(normaliseReply('\r\n  a\r\nb  c\n\n', [])).toBe('a\nb  c')
    expect(normaliseReply('上访上访', ['上访'])).toBe('****')
  })
})
