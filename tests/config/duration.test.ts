import { describe, expect, it } from 'vitest'
import { parseDuration } from '../../src/config/schema.js'

describe('parseDuration', () => {
  it.each([
    ['45m', 45 * 60_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['1d', 86_400_000],
    ['7d', 7 * 86_400_000],
    ['10d', 10 * 86_400_000],
    ['1w', 7 * 86_400_000],
    ['30d', 30 * 86_400_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each([
    ['-1h', /"-1h" is negative/],
    ['0d', /"0d" is zero/],
    ['1 month', /"1 month" is not a duration/],
    ['h', /"h" is not a duration/],
    ['', /must not be empty/],
  ])('rejects %j, naming the value', (text, message) => {
    expect(() => parseDuration(text)).toThrow(message)
  })
})
