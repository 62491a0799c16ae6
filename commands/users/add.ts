import { Args, Flags } from '@oclif/core'
import { CaseCommand, asFlag } from '../../src/cli/case-command.js'
import { addUser } from '../../src/people/roster.js'
import { ROLES, type Person } from '../../src/store/people.js'

export default class UsersAdd extends CaseCommand<typeof UsersAdd> {
  static override summary = 'Add a person who may act in lianxin (admins only).'
  static override description = `Names are permanent: a revoked name is never reused. The people of lianxin.yaml are added automatically the first time any ticket command runs; this command adds others. Who may sign replies is also limited by approval.bureauHeads and approval.supervisingLeaders in lianxin.yaml.

After adding a signer, they create a key on their own machine ("lianxin keys init --user NAME") and an admin registers it ("lianxin keys register").`
  static override examples = [
    '<%= config.bin %> <%= command.id %> zhaomin --role staff --display-name 赵敏 --as admin',
    '<%= config.bin %> <%= command.id %> sunli --role handler --zone baoguo --display-name 孙丽 --as admin',
  ]
  static override args = { name: Args.string({ description: 'Login name: lower-case pinyin, digits, dashes.', required: true }) }
  static override flags = {
    as: asFlag,
    role: Flags.string({ description: 'Role; repeat for several.', options: [...ROLES], multiple: true, required: true }),
    'display-name': Flags.string({ description: 'Name shown in messages (张伟, 刘局长).' }),
    zone: Flags.string({ description: 'Zone a handler works for.' }),
    department: Flags.string({ description: 'Department a handler works for.' }),
  }

  public async run(): Promise<Person> {
    const { flags } = this
    const person = await this.withCase(async ({ store, actor }) =>
      addUser(store, actor(), {
        name: this.args.name,
        roles: flags.role as Person['roles'],
        ...(flags['display-name'] !== undefined ? { displayName: flags['display-name'] } : {}),
        ...(flags.zone !== undefined ? { zone: flags.zone } : {}),
        ...(flags.department !== undefined ? { department: flags.department } : {}),
      }),
    )
    this.log(`Added ${person.displayName} (${person.name}) as ${person.roles.join(', ')}.`)
    return person
  }
}
