import { Args, Flags } from '@oclif/core'
import { CaseCommand, asFlag } from '../../src/cli/case-command.js'
import { revokeUserKey } from '../../src/people/roster.js'
import type { PersonKey } from '../../src/store/people.js'

export default class KeysRevoke extends CaseCommand<typeof KeysRevoke> {
  static override summary = 'Revoke a key (admins only): signatures made with it stop counting.'
  static override description = 'Use it when a key or its passphrase may be known to someone else. Replies signed with the key but not yet published must be signed again with a new key.'
  static override examples = ['<%= config.bin %> <%= command.id %> 3f9a2c71 --reason "笔记本电脑丢失" --as admin']
  static override args = { fingerprint: Args.string({ description: 'The fingerprint, or its first 8+ characters ("lianxin keys list").', required: true }) }
  static override flags = { as: asFlag, reason: Flags.string({ description: 'Why.', required: true }) }

  public async run(): Promise<PersonKey> {
    const key = await this.withCase(async ({ store, actor }) => revokeUserKey(store, actor(), this.args.fingerprint, this.flags.reason))
    this.log(`Revoked ${key.person}'s key ${key.fingerprint}.`)
    return key
  }
}
