import type { SourceKind } from '../config/schema.js'
import type { SourceAdapter } from './adapter.js'
import { rssAdapter } from './adapters/rss.js'
import { liuyanAdapter } from './adapters/liuyan/index.js'
import { weiboAdapter } from './adapters/weibo/index.js'
import { wechatAdapter } from './adapters/wechat/index.js'
import { htmlAdapter } from './adapters/html/index.js'
import { browserAdapter } from './adapters/browser/index.js'

/** Every source adapter, by kind. */
export const adapters: Partial<Record<SourceKind, SourceAdapter<never>>> = {
  rss: rssAdapter as SourceAdapter<never>,
  liuyan: liuyanAdapter as SourceAdapter<never>,
  weibo: weiboAdapter as SourceAdapter<never>,
  wechat: wechatAdapter as SourceAdapter<never>,
  html: htmlAdapter as SourceAdapter<never>,
  browser: browserAdapter as SourceAdapter<never>,
}

export function adapterFor(kind: SourceKind): SourceAdapter<never> | undefined {
  return adapters[kind]
}
