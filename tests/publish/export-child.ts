/**
 * Child process of export.test.ts: exports tickets 1..count through the export channel, printing each
 * ticket id once written, until the test kills it with SIGKILL.
 * Usage: node --import tsx tests/publish/export-child.ts DIR COUNT
 */
import { ExportChannel } from '../../src/publish/channels/export.js'
import { bigItem } from './export-items.js'

const [dir, count] = process.argv.slice(2)
if (dir === undefined || count === undefined) throw new Error('usage: export-child.ts DIR COUNT')
const channel = new ExportChannel({ id: 'exports', dir })
for (let id = 1; id <= Number(count); id++) {
  await channel.send(bigItem(id))
  process.stdout.write(`${id}\n`)
}
