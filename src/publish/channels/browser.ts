/**
 * The browser channel: posts a signed reply in the message board's back office (回复办理系统) with a
 * headless Chromium (playwright-core, the system binary), the way staff would: log in, open the
 * citizen's thread, paste the text into the reply form, submit, and read the page back.
 *
 * - find() opens the thread and reports an official reply that is exactly this text;
 * - send() does the same check on the page it is about to fill in, so it never answers twice;
 * - after submitting, the reply the page shows must equal the text sent, character for character (as
 *   the page renders it: line breaks normalised to \n by the form). If the board changed only the
 *   whitespace, or anything else, the error says so and that the reply was posted.
 *
 * The layout (paths and selectors) is {@link BACKOFFICE_LAYOUT}: the replica's (fixtures/replica/
 * sites/backoffice.ts). The real back office is not public; point `url` at it and adjust the layout
 * once, in that one place. One browser per channel instance, started at the first use and closed by
 * {@link BrowserChannel.close}.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core'
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM } from '../../crawl/adapters/browser/chromium.js'
import { NotFoundError, RefusedError, SourceError, UsageError } from '../../errors.js'
import { checkItem, describeItem, excerpt } from '../item.js'
import type { PublishChannel, PublishItem, PublishReceipt } from '../types.js'

/** Where things are in the back office: paths below the channel's `url`, and CSS selectors. */
export const BACKOFFICE_LAYOUT = {
  /** The thread page, `{tid}` replaced by the thread id. */
  threadPath: '/thread?tid={tid}',
  loginForm: 'form#loginForm',
  username: 'form#loginForm input[name=username]',
  password: 'form#loginForm input[name=password]',
  loginSubmit: 'form#loginForm [type=submit]',
  loginError: '.login-error',
  /** A thread page (the citizen's message). */
  thread: '.thread[data-tid]',
  /** The error page (unknown thread, not this unit's board, expired form). */
  errorPage: '.error-page',
  errorMessage: '.error-page .error-message',
  /** The official reply of an answered thread, with `data-answer-id`. */
  officialReply: '.official-reply',
  replyText: '.official-reply .reply-content',
  replyForm: 'form#replyForm',
  replyTextarea: 'form#replyForm textarea[name=content]',
  replySubmit: 'form#replyForm [type=submit]',
  formError: '.form-error',
  /** Link to the thread's public page. */
  publicLink: 'a.public-link',
} as const

export interface BrowserChannelOptions {
  id: string
  /** The back office's base URL, e.g. `http://127.0.0.1:8787/backoffice`. */
  url: string
  username: string
  password: string
  /** Per step (navigation, waiting for an element). @default 30000 */
  timeoutMs?: number
  /** @default process.env.LIANXIN_CHROMIUM ?? '/usr/bin/chromium' */
  executablePath?: string
  /**
   * A Chromium already started by the caller, to share between channels (tests): the channel opens its
   * own context (own cookies) in it and close() closes only that context. Default: the channel starts
   * its own browser and close() stops it.
   */
  browser?: Browser
  now?: () => Date
}

/** How the text the page shows compares with the text sent. */
export type TextComparison =
  | { kind: 'same' }
  | { kind: 'whitespace'; changes: string[] }
  | { kind: 'different'; index: number; sent: string; shown: string }

/** The form sends line breaks as CRLF and the page shows them as \n: compare with \n. */
const formText = (text: string): string => text.replace(/\r\n?/g, '\n')

/**
 * Compares the reply a page shows with the text sent: exactly the same (after the form's own \r\n → \n),
 * the same apart from whitespace (with what changed), or different (first differing character).
 */
export function compareShownText(sent: string, shown: string): TextComparison {
  const a = formText(sent)
  if (a === shown) return { kind: 'same' }
  if (a.replace(/\s+/g, '') === shown.replace(/\s+/g, '')) {
    const changes: string[] = []
    if (a !== a.trim() && shown === shown.trim()) changes.push('leading or trailing whitespace removed')
    if (/\n[ \t]*\n/.test(a) && !/\n[ \t]*\n/.test(shown)) changes.push('blank lines removed')
    if ((a.match(/\n/g) ?? []).length !== (shown.match(/\n/g) ?? []).length) changes.push(`line breaks changed (${(a.match(/\n/g) ?? []).length} sent, ${(shown.match(/\n/g) ?? []).length} shown)`)
    if (/[ \t\u3000\u00a0]{2,}/.test(a) && !/[ \t\u3000\u00a0]{2,}/.test(shown)) changes.push('runs of spaces collapsed')
    if (changes.length === 0) changes.push(`whitespace changed from character ${firstDifference(a, shown) + 1}`)
    return { kind: 'whitespace', changes }
  }
  const index = firstDifference(a, shown)
  const around = (s: string): string => JSON.stringify(s.slice(Math.max(0, index - 10), index + 30))
  return { kind: 'different', index, sent: around(a), shown: around(shown) }
}

function firstDifference(a: string, b: string): number {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}

/** What a back-office page shows, read in one go. */
interface PageSnapshot {
  login: boolean
  loginError: string | undefined
  thread: boolean
  errorPage: boolean
  errorMessage: string | undefined
  formError: string | undefined
  /** The official reply as the page renders it (innerText). */
  answer: { text: string; answerId: string | undefined } | undefined
  /** A reply form with exactly one textarea and a submit button. */
  form: boolean
  publicUrl: string | undefined
}

/** What a thread page shows. */
interface ThreadView extends PageSnapshot {
  tid: string
}

/** Reads the page (one round trip to the browser). */
async function snapshot(page: Page): Promise<PageSnapshot> {
  return page.evaluate((sel) => {
    // Runs in the page; the project compiles without the DOM library, hence the minimal types.
    interface El {
      innerText: string
      href?: string
      getAttribute(name: string): string | null
      querySelector(selector: string): El | null
      querySelectorAll(selector: string): { length: number }
    }
    const doc = (globalThis as unknown as { document: El }).document
    const one = (selector: string): El | null => doc.querySelector(selector)
    const text = (selector: string): string | undefined => one(selector)?.innerText.trim() || undefined
    const reply = one(sel.officialReply)
    return {
      login: one(sel.loginForm) !== null,
      loginError: text(sel.loginError),
      thread: one(sel.thread) !== null,
      errorPage: one(sel.errorPage) !== null,
      errorMessage: text(sel.errorMessage),
      formError: text(sel.formError),
      answer: reply ? { text: one(sel.replyText)?.innerText ?? '', answerId: reply.getAttribute('data-answer-id') || undefined } : undefined,
      form: one(sel.replyForm) !== null && doc.querySelectorAll(sel.replyTextarea).length === 1 && one(sel.replySubmit) !== null,
      publicUrl: one(sel.publicLink)?.href || undefined,
    }
  }, BACKOFFICE_LAYOUT)
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''

export class BrowserChannel implements PublishChannel {
  readonly kind = 'browser' as const
  readonly id: string
  private readonly options: Required<Omit<BrowserChannelOptions, 'id' | 'browser'>>
  private readonly base: string
  private readonly shared: Browser | undefined
  private browser: Browser | undefined
  private context: BrowserContext | undefined
  private page: Page | undefined
  private closed = false
  private queue: Promise<unknown> = Promise.resolve()

  constructor(options: BrowserChannelOptions) {
    const { id, browser, ...rest } = options
    this.id = id
    this.options = {
      timeoutMs: 30_000,
      executablePath: process.env.LIANXIN_CHROMIUM ?? DEFAULT_CHROMIUM,
      now: () => new Date(),
      ...rest,
    }
    this.shared = browser
    this.base = options.url.replace(/\/+$/, '')
  }

  async find(item: PublishItem): Promise<PublishReceipt | undefined> {
    const tid = this.threadOf(item)
    return this.serial(async () => {
      const view = await this.open(item, tid)
      return view.answer ? this.existing(item, view) : undefined
    })
  }

  async send(item: PublishItem): Promise<PublishReceipt> {
    const tid = this.threadOf(item)
    return this.serial(async () => {
      const view = await this.open(item, tid)
      if (view.answer) return this.existing(item, view)
      if (!view.form) {
        throw new RefusedError(`${this.id}: thread ${tid} has no reply form (${BACKOFFICE_LAYOUT.replyForm} with a textarea and a submit button), nor an official reply; the back office layout may have changed`, {
          code: 'PUBLISH_FORM_MISSING',
          suggestions: ['Open the thread in the back office by hand; if the page looks different, adjust BACKOFFICE_LAYOUT in src/publish/channels/browser.ts, or publish through the export channel.'],
          details: this.details(item, { tid, page: this.page?.url() }),
        })
      }
      return this.submit(item, tid)
    })
  }

  /** Closes the browser it started (or its context in a shared one); safe to call more than once. */
  async close(): Promise<void> {
    this.closed = true
    const { browser, context } = this
    this.browser = undefined
    this.context = undefined
    this.page = undefined
    await context?.close().catch(() => undefined)
    if (browser && browser !== this.shared) await browser.close().catch(() => undefined)
  }

  /** The thread (liuyan tid) the item answers. */
  private threadOf(item: PublishItem): string {
    checkItem(this.id, item)
    const target = item.target
    if (!target?.itemId) {
      throw new UsageError(`${this.id}: ${describeItem(item)} has no linked post (target.itemId), so there is no thread to answer in the back office; publish it through the export channel instead`, { details: this.details(item) })
    }
    if (target.sourceKind !== 'liuyan') {
      throw new UsageError(`${this.id}: ${describeItem(item)} answers a ${target.sourceKind} post (${target.sourceId} #${target.itemId}); the back office only answers message-board (liuyan) threads`, { details: this.details(item) })
    }
    if (!/^\d+$/.test(target.itemId)) throw new UsageError(`${this.id}: ${describeItem(item)}: "${target.itemId}" is not a thread id (tid)`)
    return target.itemId
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async start(): Promise<Page> {
    if (this.closed) throw new SourceError(`${this.id}: the channel was already closed`, { code: 'PUBLISH_FAILED' })
    if (this.page && !this.page.isClosed()) return this.page
    const { executablePath, timeoutMs } = this.options
    if (!this.shared && !existsSync(executablePath)) {
      throw new SourceError(`${this.id}: Chromium is not installed at ${executablePath}`, {
        code: 'PUBLISH_FAILED',
        suggestions: ['Install it (apt-get install chromium), or set LIANXIN_CHROMIUM to the binary.'],
      })
    }
    try {
      this.browser ??= this.shared ?? (await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS }))
      await this.context?.close().catch(() => undefined)
      this.context = await this.browser.newContext({ serviceWorkers: 'block', acceptDownloads: false, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
      const page = await this.context.newPage()
      page.setDefaultTimeout(timeoutMs)
      page.setDefaultNavigationTimeout(timeoutMs)
      // A "确定提交吗？" confirm() before submitting is accepted, as staff would.
      page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined))
      this.page = page
      return page
    } catch (err) {
      const browser = this.browser
      this.browser = undefined
      if (browser !== this.shared) await browser?.close().catch(() => undefined)
      throw new SourceError(`${this.id}: Chromium at ${executablePath} did not start: ${firstLine(err)}`, { code: 'PUBLISH_FAILED', cause: err })
    }
  }

  private async goto(page: Page, url: string, what: string): Promise<Response | null> {
    try {
      return await page.goto(url, { waitUntil: 'load' })
    } catch (err) {
      throw new SourceError(`${this.id}: could not open ${what} (${url}): ${firstLine(err)}`, {
        code: 'PUBLISH_FAILED',
        suggestions: ['Check that the back office is reachable from this machine and that url in lianxin.yaml is right.'],
        cause: err,
      })
    }
  }

  /** Opens the thread page, logging in first when the back office asks for it. */
  private async open(item: PublishItem, tid: string): Promise<ThreadView> {
    const page = await this.start()
    const url = `${this.base}${BACKOFFICE_LAYOUT.threadPath.replace('{tid}', encodeURIComponent(tid))}`
    let res = await this.goto(page, url, `thread ${tid}`)
    let shown = await snapshot(page)
    if (shown.login) {
      await this.login(page)
      res = await this.goto(page, url, `thread ${tid}`)
      shown = await snapshot(page)
      if (shown.login) {
        throw new RefusedError(`${this.id}: the back office asked to log in again right after logging in as ${this.options.username}; it does not keep the session (cookies blocked?)`, { code: 'PUBLISH_REFUSED', details: this.details(item) })
      }
    }
    const status = res?.status() ?? 0
    if (status === 404 || shown.errorPage || !shown.thread) {
      const said = shown.errorMessage ?? (await page.title().catch(() => ''))
      const problem = `${this.id}: thread ${tid} was not found in the back office${status ? ` (HTTP ${status})` : ''}${said ? `: ${said}` : ''}`
      const suggestions = [`Check that thread ${tid} is on a board of the account ${this.options.username} and still public.`]
      if (status === 404 || shown.errorPage) throw new NotFoundError(problem, { suggestions, details: this.details(item, { tid }) })
      throw new RefusedError(`${problem}; the page at ${page.url()} is not a thread page (no ${BACKOFFICE_LAYOUT.thread}); the back office layout may have changed`, { code: 'PUBLISH_FORM_MISSING', details: this.details(item, { tid }) })
    }
    return { ...shown, tid }
  }

  private async login(page: Page): Promise<void> {
    const { username, password } = this.options
    try {
      await page.locator(BACKOFFICE_LAYOUT.username).fill(username)
      await page.locator(BACKOFFICE_LAYOUT.password).fill(password)
      await Promise.all([
        page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() }),
        page.locator(BACKOFFICE_LAYOUT.loginSubmit).click(),
      ])
      await page.waitForLoadState('load')
    } catch (err) {
      throw new RefusedError(`${this.id}: could not fill in the back office login form: ${firstLine(err)}`, { code: 'PUBLISH_LOGIN_FAILED', cause: err })
    }
    const shown = await snapshot(page)
    if (shown.login) {
      throw new RefusedError(`${this.id}: the back office refused the login of ${username}: ${shown.loginError ?? 'the login page came back'}`, {
        code: 'PUBLISH_LOGIN_FAILED',
        suggestions: ['Check the user name in lianxin.yaml (publish.channels[].username) and the password in the variable named by passwordEnv.'],
        details: { channel: this.id, username },
      })
    }
  }

  /** The receipt for a thread that already shows a reply: ours (exactly), or an error saying what is there. */
  private existing(item: PublishItem, view: ThreadView, posted = false): PublishReceipt {
    const shown = view.answer?.text ?? ''
    const comparison = compareShownText(item.text, shown)
    const url = view.publicUrl ?? item.target?.url
    if (comparison.kind === 'same') {
      const receipt: PublishReceipt = { channel: this.id, kind: 'browser', at: this.options.now().toISOString() }
      if (!posted) receipt.alreadyThere = true
      if (url) receipt.url = url
      if (view.answer?.answerId) receipt.remoteId = view.answer.answerId
      return receipt
    }
    const where = `thread ${view.tid}${url ? ` (${url})` : ''}`
    const confirm = `if it reads correctly there, record it with "lianxin replies confirm-published ${item.ticketId} --url ${url ?? '<thread url>'}"`
    const details = this.details(item, { tid: view.tid, url, shown: excerpt(shown, 500), comparison })
    if (comparison.kind === 'whitespace') {
      const what = posted ? `${describeItem(item)} was posted to ${where}, but the board changed its whitespace` : `${where} already shows a reply that differs from ${describeItem(item)} only in whitespace (most likely this reply, reformatted by the board)`
      throw new RefusedError(`${this.id}: ${what}: ${comparison.changes.join('; ')}. The page shows ${[...shown].length} characters, ${[...formText(item.text)].length} were sent; the words are identical.`, {
        code: 'PUBLISH_WHITESPACE_CHANGED',
        suggestions: [`Check the reply on the page; ${confirm}. Do not publish it again: the board takes one reply per thread.`],
        details,
      })
    }
    if (posted) {
      throw new RefusedError(`${this.id}: ${describeItem(item)} was posted to ${where}, but the page shows a different text: from character ${comparison.index + 1} it sent ${comparison.sent} and shows ${comparison.shown}`, {
        code: 'PUBLISH_TEXT_MISMATCH',
        suggestions: ['The board changed the text (a sensitive-word filter, a length limit, an editor); what citizens see is not what was signed. Check the page, and correct the reply through the board\'s own process.'],
        details,
      })
    }
    throw new RefusedError(`${this.id}: ${where} already has an official reply that is not ${describeItem(item)}: "${excerpt(shown, 80)}"; the board takes one reply per thread`, {
      code: 'PUBLISH_ALREADY_ANSWERED',
      suggestions: [`If that reply is this one, posted by hand and edited, ${confirm}; otherwise ask the board's operators how to add to an answered thread.`],
      details,
    })
  }

  private async submit(item: PublishItem, tid: string): Promise<PublishReceipt> {
    const page = await this.start()
    const textarea = page.locator(BACKOFFICE_LAYOUT.replyTextarea)
    await textarea.fill(item.text)
    const held = await textarea.inputValue()
    if (held !== formText(item.text)) {
      const max = await textarea.getAttribute('maxlength')
      throw new RefusedError(`${this.id}: the reply form of thread ${tid} did not take the whole text of ${describeItem(item)}: it holds ${held.length} of ${formText(item.text).length} characters${max ? ` (the textarea allows at most ${max})` : ''}; nothing was submitted`, {
        code: 'PUBLISH_REFUSED',
        details: this.details(item, { tid }),
      })
    }
    let posted: Response
    try {
      // The POST's own answer (a redirect on success, an error page otherwise), and the page it ends on.
      ;[posted] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.request().frame() === page.mainFrame() && r.request().isNavigationRequest()),
        page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() }),
        page.locator(BACKOFFICE_LAYOUT.replySubmit).first().click(),
      ])
      await page.waitForLoadState('load')
    } catch (err) {
      throw new SourceError(`${this.id}: submitting the reply to thread ${tid} did not finish: ${firstLine(err)}; it may or may not have been posted, and publishing again checks the thread first`, {
        code: 'PUBLISH_FAILED',
        cause: err,
        details: this.details(item, { tid }),
      })
    }
    const shown = await snapshot(page)
    if (shown.login) {
      throw new SourceError(`${this.id}: the back office session ended while submitting to thread ${tid} (it showed the login page); publishing again logs in and checks the thread first`, { code: 'PUBLISH_FAILED', details: this.details(item, { tid }) })
    }
    const status = posted.status()
    const said = shown.formError ?? shown.errorMessage
    if (!shown.thread || !shown.answer) {
      throw new RefusedError(`${this.id}: the back office did not accept the reply to thread ${tid}${status >= 400 ? ` (HTTP ${status})` : ''}${said ? `: ${said}` : ': the page shows no reply after submitting'}`, {
        code: 'PUBLISH_REFUSED',
        details: this.details(item, { tid, status, page: page.url() }),
      })
    }
    const view: ThreadView = { ...shown, tid }
    // Refused because the thread got an answer meanwhile (someone else, or another run): whose is it?
    if (said && status >= 400) return this.existing(item, view)
    return this.existing(item, view, true)
  }

  private details(item: PublishItem, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { channel: this.id, ticketId: item.ticketId, version: item.version, ...extra }
  }
}
