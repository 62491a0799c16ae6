import { sha256Hex } from '../../src/audit/canonical.js'
import type { PublishItem } from '../../src/publish/types.js'

/** A signed reply as the reply service hands it to a channel. */
export function makeItem(overrides: Partial<Omit<PublishItem, 'textSha256'>> & { textSha256?: string } = {}): PublishItem {
  const text = overrides.text ?? '您好！您反映的宝融福园小区3号楼屋面漏雨问题，区住建局已于11月3日组织维修，现已完工。\n如仍有问题，请拨打0451-86512345（工作日 8:30–17:00）。\n\n哈尔滨市平房区住房和城乡建设局'
  return {
    ticketId: 12,
    version: 2,
    title: '宝融福园小区屋面漏雨',
    signers: [
      { role: 'bureau-head', person: 'liuju', at: '2026-11-03T02:00:00.000Z' },
      { role: 'supervising-leader', person: 'wangqu', at: '2026-11-03T06:30:00.000Z' },
    ],
    target: { sourceKind: 'liuyan', sourceId: 'renmin-liuyan', itemId: '26123456', url: 'https://liuyan.people.com.cn/threads/content?tid=26123456' },
    ...overrides,
    text,
    textSha256: overrides.textSha256 ?? sha256Hex(text),
  }
}
