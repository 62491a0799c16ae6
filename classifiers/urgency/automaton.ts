/**
 * An Aho–Corasick automaton over UTF-16 code units: every phrase of the urgency lexicon
 * (cues, negators, hypothetical and question markers, ignored phrases) is found in ONE left-to-right
 * pass over a post, however many phrases there are.
 */

/** One occurrence of a phrase: `[start, end)` in code units of the scanned text. */
export interface PhraseMatch {
  id: number
  start: number
  end: number
}

/** A set of phrases compiled for one-pass search. Add every phrase, then {@link build}. */
export class PhraseAutomaton {
  private readonly next: Array<Map<number, number>> = [new Map()]
  private fail: Int32Array = new Int32Array(1)
  /** Phrase id ending exactly at a state, or -1. */
  private readonly out: number[] = [-1]
  /** The nearest state along the fail links that ends a phrase, or -1. */
  private outLink: Int32Array = new Int32Array(1).fill(-1)
  private readonly lengths: number[] = []
  private built = false

  /** Adds a phrase and returns its id (0, 1, 2…). An empty phrase is refused. */
  add(phrase: string): number {
    if (phrase.length === 0) throw new Error('an empty phrase cannot be matched')
    if (this.built) throw new Error('add every phrase before build()')
    let state = 0
    for (let i = 0; i < phrase.length; i++) {
      const code = phrase.charCodeAt(i)
      const transitions = this.next[state]!
      let target = transitions.get(code)
      if (target === undefined) {
        target = this.next.length
        this.next.push(new Map())
        this.out.push(-1)
        transitions.set(code, target)
      }
      state = target
    }
    const id = this.lengths.length
    this.lengths.push(phrase.length)
    if (this.out[state] === -1) this.out[state] = id
    return id
  }

  /** Computes the fail links (breadth first). */
  build(): this {
    const count = this.next.length
    this.fail = new Int32Array(count)
    this.outLink = new Int32Array(count).fill(-1)
    const queue: number[] = []
    for (const child of this.next[0]!.values()) queue.push(child)
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!
      for (const [code, child] of this.next[state]!) {
        let f = this.fail[state]!
        while (f !== 0 && !this.next[f]!.has(code)) f = this.fail[f]!
        const target = this.next[f]!.get(code)
        this.fail[child] = target !== undefined && target !== child ? target : 0
        const failState = this.fail[child]!
        this.outLink[child] = this.out[failState] !== -1 ? failState : this.outLink[failState]!
        queue.push(child)
      }
    }
    this.built = true
    return this
  }

  /** Every occurrence of every phrase in `text`, overlapping ones included, ordered by end. */
  scan(text: string): PhraseMatch[] {
    if (!this.built) this.build()
    const matches: PhraseMatch[] = []
    const next = this.next
    const fail = this.fail
    let state = 0
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i)
      let target = next[state]!.get(code)
      while (target === undefined && state !== 0) {
        state = fail[state]!
        target = next[state]!.get(code)
      }
      state = target ?? 0
      if (state === 0) continue
      let s = this.out[state] !== -1 ? state : this.outLink[state]!
      while (s > 0) {
        const id = this.out[s]!
        matches.push({ id, start: i + 1 - this.lengths[id]!, end: i + 1 })
        s = this.outLink[s]!
      }
    }
    return matches
  }
}

/**
 * Leftmost-longest selection: walking from the left, the longest phrase starting at a position
 * wins and every phrase overlapping it is dropped. "不存在" beats "不", "独居老人" beats "老人".
 */
export function leftmostLongest(matches: PhraseMatch[]): PhraseMatch[] {
  const sorted = [...matches].sort((a, b) => a.start - b.start || b.end - a.end || a.id - b.id)
  const kept: PhraseMatch[] = []
  let reach = 0
  for (const m of sorted) {
    if (m.start < reach) continue
    kept.push(m)
    reach = m.end
  }
  return kept
}
