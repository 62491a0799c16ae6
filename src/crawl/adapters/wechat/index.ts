import { defineAdapter, type CrawlPage } from '../../adapter.js'
import { crawlFeed } from './feed.js'
import { crawlMp } from './mp.js'
import { wechatOptions, type WechatOptions } from './options.js'

export { wechatOptions, type WechatOptions } from './options.js'

/**
 * WeChat public accounts (微信公众号). WeChat has no open list API, so the list comes from either
 * a feed bridge (`transport: feed`, the default: source `url` = RSS/Atom from RSSHub or wewe-rss,
 * conditional GET, scope `feed`) or the 公众平台 back office (`transport: mp`: fakeid + token +
 * cookie, scope `mp:<fakeid>`, ret 200013/200003 block the source). Each new article page is
 * opened for the full text (`#js_content`), images (`data-src`), publish time (`var ct`), region
 * (`provinceName`) and account name, and stored under its permanent link (`biz:mid:idx`), short
 * and temporary links being resolved through the page. Deleted articles are stored with
 * `meta.deleted`; the "环境异常" verification page blocks the source (`wechat-captcha`).
 */
export const wechatAdapter = defineAdapter<WechatOptions>({
  kind: 'wechat',
  summary: 'WeChat public accounts through a feed bridge (RSSHub, wewe-rss) or the 公众平台 back office, with article pages',
  defaultBaseUrl: 'https://mp.weixin.qq.com',
  options: wechatOptions,
  example: {
    account: '平房大小事',
    transport: 'feed',
    fetchArticles: true,
  },
  async *crawl(ctx): AsyncGenerator<CrawlPage> {
    if (ctx.options.transport === 'mp') yield* crawlMp(ctx)
    else yield* crawlFeed(ctx)
  },
})
