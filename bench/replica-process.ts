import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/**
 * The replica in a process of its own, so that its CPU (building and compressing responses) is
 * not counted in the client's profile and both sides of a benchmark meet the same server.
 */
export async function replicaProcess(): Promise<{ url: string; advance(count: number): Promise<void>; close(): Promise<void> }> {
  const cli = fileURLToPath(new URL('../fixtures/replica/cli.js', import.meta.url))
  const child: ChildProcess = spawn(process.execPath, [cli, '--port', '0', '--crawl-delay', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`the replica exited with code ${code}`)))
  })
  const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(first)?.[1]
  if (!url) throw new Error(`unexpected replica banner: ${first}`)
  return {
    url,
    async advance(count) {
      const res = await fetch(`${url}/__control/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count }) })
      if (!res.ok) throw new Error(`advance failed: HTTP ${res.status}`)
    },
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
