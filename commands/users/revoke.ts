import { Args, Flags } from '@oclif/core'
import { CaseCommand, asFlag } from '../../src/cli/case-command.js'
import { revokeUser } from '../../src/people/roster.js'
import type { Person } from '../../src/store/people.js'

export default class UsersRevoke extends CaseCommand<typeof UsersRevoke> {
  static override summary = 'Revoke a person and all their keys (admins only).'
  static override description = 'They keep their history but can no longer act or sign, and signatures they gave stop counting for replies not yet published.'
  static override examples = ['<%= config.bin %> <%= command.id %> chenqiang --reason "调离" --as admin']
  static override args = { name: Args.string({ description: 'Login name.', required: true }) }
  static override flags = { as: asFlag, reason: Flags.string({ description: 'Why.', required: true }) }

  public async run(): Promise<Person> {
    const person = await this.withCase(async ({ store, actor }) => revokeUser(store, actor(), this.args.name, this.flags.reason))
    this.log(`Revoked ${person.displayName} (${person.name}) and their keys.`)
    return person
  }
}
