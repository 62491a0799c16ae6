import { Flags } from '@oclif/core'
import { BaseCommand } from '../../src/cli/base-command.js'
import { actorName } from '../../src/people/roster.js'
import { initKeys, type InitKeysResult } from '../../src/signing/keys.js'
import { getPassphrase } from '../../src/signing/passphrase.js'

export default class KeysInit extends BaseCommand<typeof KeysInit> {
  static override summary = 'Create your signing key pair (Ed25519) on this machine.'
  static override description = `The private key stays on this machine, under $LIANXIN_HOME/keys (default ~/.config/lianxin/keys), mode 0600, encrypted with your passphrase (asked at the prompt, or $LIANXIN_PASSPHRASE). Give the public key file to an admin, who registers it with "lianxin keys register". Keep the passphrase: nobody can recover it.`
  static override examples = ['<%= config.bin %> <%= command.id %> --user liuju', 'LIANXIN_PASSPHRASE=… <%= config.bin %> <%= command.id %> --user wangqu --json']
  static override flags = {
    user: Flags.string({ description: 'Your login name (default: $LIANXIN_USER).' }),
    force: Flags.boolean({ description: 'Replace an existing key (have the old one revoked).' }),
  }

  public async run(): Promise<InitKeysResult & { user: string }> {
    const user = actorName(this.flags.user)
    const passphrase = await getPassphrase({ confirm: true, prompt: `New passphrase for ${user}'s key: ` })
    const result = initKeys({ user, passphrase, force: this.flags.force })
    this.log(`Created ${user}'s key pair.`)
    this.log(`  private key ${result.privateKeyPath} (0600, encrypted)`)
    this.log(`  public key  ${result.publicKeyPath}`)
    this.log(`  fingerprint ${result.fingerprint}`)
    this.log(`Next: an admin runs "lianxin keys register ${user} --file ${result.publicKeyPath}".`)
    return { user, ...result }
  }
}
