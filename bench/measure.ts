/** Small measuring helpers shared by the benchmarks. */

export interface Measured<T> {
  value: T
  ms: number
  /** CPU time (user + system) of this process while it ran, in ms. */
  cpuMs: number
  /** Peak resident set size seen while it ran, in MB. */
  peakRssMb: number
}

/** Runs `fn`, timing it and sampling RSS every 20 ms. */
export async function measure<T>(fn: () => Promise<T>): Promise<Measured<T>> {
  globalThis.gc?.()
  let peak = process.memoryUsage.rss()
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 20)
  const start = process.hrtime.bigint()
  const cpu = process.cpuUsage()
  try {
    const value = await fn()
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    const used = process.cpuUsage(cpu)
    peak = Math.max(peak, process.memoryUsage.rss())
    return { value, ms, cpuMs: (used.user + used.system) / 1000, peakRssMb: peak / 1024 / 1024 }
  } finally {
    clearInterval(sampler)
  }
}

export function rate(count: number, ms: number): string {
  return `${((count * 1000) / ms).toFixed(0)}/s`
}

export function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`
}

/** One line of a benchmark report: a name and its figures. */
export function line(name: string, figures: Record<string, string | number>): string {
  return `${name.padEnd(34)} ${Object.entries(figures)
    .map(([k, v]) => `${k} ${v}`)
    .join('   ')}`
}

export function verdict(ok: boolean, text: string): string {
  return `${ok ? 'PASS' : 'MISS'}  ${text}`
}
