/**
 * A sliding-window rate limit on an injectable clock: at most `limit` requests in any
 * `windowMs`, plus an explicit pause (after a platform said "too fast").
 */
export class SlidingWindow {
  private stamps: number[] = []
  private pausedUntil = 0

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limit must be a whole number ≥ 1, not ${limit}`)
  }

  /** Milliseconds until one more request may be made (0 = now). */
  waitMs(): number {
    const t = this.now()
    this.stamps = this.stamps.filter((s) => s > t - this.windowMs)
    const paused = Math.max(0, this.pausedUntil - t)
    const oldest = this.stamps.length >= this.limit ? this.stamps[this.stamps.length - this.limit] : undefined
    const full = oldest !== undefined ? oldest + this.windowMs - t : 0
    return Math.max(paused, full)
  }

  /** Records a request made now. */
  take(): void {
    this.stamps.push(this.now())
  }

  /** No request for `ms` from now. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms)
  }

  /** Requests that may be made now without waiting (0 while paused). */
  remaining(): number {
    if (this.pausedUntil > this.now()) return 0
    return Math.max(0, this.limit - this.used)
  }

  /** Requests counted in the current window. */
  get used(): number {
    const t = this.now()
    return this.stamps.filter((s) => s > t - this.windowMs).length
  }
}
