import type { SourceKind } from '../config/schema.js'
import type { SourceAdapter } from './adapter.js'
import { rssAdapter } from './adapters/rss.js'
import { liuyanAdapter } from './adapters/liuyan/index.js'

/** Every source adapter, by kind. */
export const adapters: Partial<Record<SourceKind, SourceAdapter<never>>> = {
  rss: rssAdapter as SourceAdapter<never>,
  liuyan: liuyanAdapter as SourceAdapter<never>,
}

export function adapterFor(kind: SourceKind): SourceAdapter<never> | undefined {
  return adapters[kind]
}
