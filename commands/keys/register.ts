import { readFileSync } from 'node:fs'
import { Args, Flags } from '@oclif/core'
import { CaseCommand, asFlag } from '../../src/cli/case-command.js'
import { UsageError } from '../../src/errors.js'
import { registerUserKey } from '../../src/people/roster.js'
import type { PersonKey } from '../../src/store/people.js'

export default class KeysRegister extends CaseCommand<typeof KeysRegister> {
  static override summary = "Register a person's public key (admins only)."
  static override description = 'Signatures count only when made with a key an admin registered and nobody revoked. Check the fingerprint with its owner (by phone or in person) before registering.'
  static override examples = ['<%= config.bin %> <%= command.id %> liuju --file liuju.pub --as admin']
  static override args = { name: Args.string({ description: "The key owner's login name.", required: true }) }
  static override flags = { as: asFlag, file: Flags.string({ description: 'The public key file (PEM) from "lianxin keys init".', required: true }) }

  public async run(): Promise<PersonKey> {
    let pem: string
    try {
      pem = readFileSync(this.flags.file, 'utf8')
    } catch (err) {
      throw new UsageError(`cannot read ${this.flags.file}: ${(err as Error).message}`)
    }
    const key = await this.withCase(async ({ store, actor }) => registerUserKey(store, actor(), this.args.name, pem))
    this.log(`Registered ${key.person}'s key ${key.fingerprint}.`)
    return key
  }
}
