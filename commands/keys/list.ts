import { Flags } from '@oclif/core'
import { CaseCommand } from '../../src/cli/case-command.js'
import { listKeys, type PersonKey } from '../../src/store/people.js'

export default class KeysList extends CaseCommand<typeof KeysList> {
  static override summary = 'List registered keys.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --user liuju --json']
  static override flags = { user: Flags.string({ description: "Only this person's keys." }) }

  public async run(): Promise<{ keys: Array<Omit<PersonKey, 'publicKey'>> }> {
    const keys = await this.withCase(async ({ store }) => listKeys(store, this.flags.user))
    for (const k of keys) this.log(`${k.fingerprint.slice(0, 16)}  ${k.person.padEnd(12)} registered ${k.registeredAt.slice(0, 16)} by ${k.registeredBy}${k.revokedAt ? `  REVOKED ${k.revokedAt.slice(0, 16)} by ${k.revokedBy ?? '?'}` : ''}`)
    if (keys.length === 0) this.log('No keys registered.')
    return { keys: keys.map(({ publicKey: _pem, ...rest }) => rest) }
  }
}
