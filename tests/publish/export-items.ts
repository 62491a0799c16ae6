import type { PublishItem } from '../../src/publish/types.js'
import { makeItem } from './helpers.js'

/** Ticket `id`'s reply, about 300 KB of text so that writing it takes a moment. */
export function bigItem(id: number): PublishItem {
  const line = `第${id}号答复：关于您反映的问题，区里已经组织有关部门现场核实并制定了处理方案。`
  return makeItem({ ticketId: id, version: 1, title: `工单 ${id}`, text: `${line}\n`.repeat(3000) + `（完）${id}` })
}
