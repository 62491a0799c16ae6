import { expect } from 'vitest'

/** What `promise` rejects with, asserted to be a `type` (the test fails if it resolves or throws something else). */
export async function rejection<E extends Error = Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E = Error as unknown as abstract new (...args: never[]) => E): Promise<E> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(type)
  return err as E
}
