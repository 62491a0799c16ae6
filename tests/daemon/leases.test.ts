import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { holderIsDead, voidDeadHolders } from '../../src/daemon/daemon.js'
import { acquireLease, readLease, withLease } from '../../src/daemon/leases.js'
import { backends, manualClock, type TestStore } from '../helpers/stores.js'

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' })
  return Number(child.stdout.trim())
}

describe.each(backends)('leases on $name', (backend) => {
  const clock = manualClock('2026-11-30T02:00:00.000Z')
  let t: TestStore
  beforeAll(async () => {
    t = await backend.open({ now: clock.now })
  })
  afterAll(async () => {
    await t.cleanup()
  })

  it('one holder at a time; the lease lapses at its TTL unless renewed', async () => {
    expect(await acquireLease(t.store, 'triage', 'a', 60_000)).toBe(true)
    expect(await acquireLease(t.store, 'triage', 'b', 60_000)).toBe(false)
    clock.advance(59_000)
    expect(await acquireLease(t.store, 'triage', 'b', 60_000)).toBe(false)
    clock.advance(1_000)
    expect(await acquireLease(t.store, 'triage', 'b', 60_000)).toBe(true)
    expect((await readLease(t.store, 'triage'))?.holder).toBe('b')
  })

  /** Waits (up to 2 s) until the lease on crawl:weibo runs past `at`. */
  const renewedPast = async (at: Date) => {
    for (let i = 0; i < 100; i++) {
      const lease = await readLease(t.store, 'crawl:weibo')
      if (lease && Date.parse(lease.expiresAt) > at.getTime()) return
      await delay(20)
    }
  }

  it('withLease renews while the job runs, so a long job keeps a short lease, and releases it after', async () => {
    const seen: boolean[] = []
    const run = await withLease(
      t.store,
      'crawl:weibo',
      'a',
      60_000,
      async () => {
        for (let i = 0; i < 4; i++) {
          clock.advance(45_000) // three minutes in all: past the TTL unless renewed
          await renewedPast(clock.now()) // the renewal timer fires in between (or, without renewal, not)
          seen.push(await acquireLease(t.store, 'crawl:weibo', 'b', 60_000))
        }
        return 'done'
      },
      { renewEveryMs: 10 },
    )
    expect(run).toEqual({ ran: true, value: 'done' })
    expect(seen).toEqual([false, false, false, false])
    // Released at once afterwards, and no late renewal took it back.
    await delay(50)
    expect(await acquireLease(t.store, 'crawl:weibo', 'b', 60_000)).toBe(true)
    expect(await withLease(t.store, 'crawl:weibo', 'a', 60_000, async () => 'never')).toEqual({ ran: false })
  })

  it('a restarted daemon voids at once what a dead daemon on this host held; others keep theirs', async () => {
    const dead = `${hostname()}:${deadPid()}:dead01`
    const alive = `${hostname()}:${process.ppid}:live01`
    const remote = 'other-host.example:4242:far001'
    expect(holderIsDead(dead)).toBe(true)
    expect(holderIsDead(alive)).toBe(false)
    expect(holderIsDead(remote)).toBe(false)
    for (const [name, holder] of [['clocks', dead], ['publish', alive], ['notify', remote]] as const) expect(await acquireLease(t.store, name, holder, 600_000)).toBe(true)

    expect(await voidDeadHolders(t.store)).toEqual([dead])
    expect(await acquireLease(t.store, 'clocks', 'me', 60_000)).toBe(true)
    expect(await acquireLease(t.store, 'publish', 'me', 60_000)).toBe(false)
    expect(await acquireLease(t.store, 'notify', 'me', 60_000)).toBe(false)
  })
})
