import { describe, expect, it } from 'vitest'
import { liuyanSignature as replicaSignature } from '../../../fixtures/replica/sites/liuyan.js'
import { extractAppCode } from '../../../src/crawl/adapters/liuyan/api.js'
import { liuyanSignature, md5, paramString, signedBody } from '../../../src/crawl/adapters/liuyan/sign.js'

const APP_CODE = 'PC42ce3bfa4980a9'

/** The six vectors published in sources.md §1.3.3 (appCode PC42ce3bfa4980a9, anonymous). */
const VECTORS: Array<[path: string, param: string, signature: string]> = [
  ['/v1/threads/list/bw', '{"fid":5050,"showUnAnswer":1,"typeId":5,"lastItem":"","position":1,"rows":10,"orderType":2}', '22e8ff231248d4e2774c9d1b523afdf9'],
  ['/v1/threads/list/df', '{"fid":"559","showUnAnswer":1,"typeId":5,"lastItem":"","position":0,"rows":10,"orderType":2}', '9f41eaf88787382c14da461be7079546'],
  ['/v1/threads/list/df', '{"fid":"593","showUnAnswer":1,"typeId":5,"lastItem":"","position":"0","rows":10,"orderType":2}', 'a7db9282e68f7ccceff0785b444c2194'],
  ['/v1/threads/content', '{"tid":"14592777","fromTrash":0}', '18d497371f56c631390ca2f9a196b130'],
  ['/v1/forum/getTopBwForums', '{}', '3be29e33cb708b79a3802f663cf8f16e'],
  [
    '/v2/threads/search',
    '{"position":0,"keywords":"天然气","fid":null,"domainId":null,"typeId":null,"timeRange":null,"ansChecked":false,"stTime":null,"sortType":"0","page":1,"rows":10}',
    'bec2facf4f2a6ea58ced5215c60e6c1c',
  ],
]

describe('liuyan signature', () => {
  it('derives the anonymous key from md5(appCode)', () => {
    expect(md5(APP_CODE).slice(0, 16)).toBe('a2eb17f65d6f4b3f')
  })

  it.each(VECTORS)('matches the published vector for %s %s', (path, param, signature) => {
    expect(liuyanSignature(path, param, APP_CODE)).toBe(signature)
  })

  it.each(VECTORS)('rebuilds the exact param string and signature from objects (%s)', (path, param, signature) => {
    const body = signedBody(path, JSON.parse(param) as Record<string, unknown>, APP_CODE)
    expect(body).toEqual({ appCode: APP_CODE, token: '', signature, param })
  })

  it('signs the path without its query', () => {
    const [path, param, signature] = VECTORS[5]!
    expect(liuyanSignature(`${path}?sortType=0`, param, APP_CODE)).toBe(signature)
  })

  it('keeps spaces inside values and key order (no Python-style space stripping)', () => {
    const param = paramString({ keywords: '平房 供暖', fid: null, page: 1 })
    expect(param).toBe('{"keywords":"平房 供暖","fid":null,"page":1}')
    expect(liuyanSignature('/v2/threads/search', param, APP_CODE)).not.toBe(liuyanSignature('/v2/threads/search', param.replace(' ', ''), APP_CODE))
  })

  it('agrees with the replica verifier, anonymous and with a token', () => {
    for (const [path, param] of VECTORS) {
      expect(liuyanSignature(path, param, APP_CODE)).toBe(replicaSignature(path, param, APP_CODE))
      expect(liuyanSignature(path, param, APP_CODE, 'tok123')).toBe(replicaSignature(path, param, APP_CODE, 'tok123'))
    }
    expect(liuyanSignature('/v1/threads/content', '{"tid":"1","fromTrash":0}', APP_CODE, 'tok123')).not.toBe(
      liuyanSignature('/v1/threads/content', '{"tid":"1","fromTrash":0}', APP_CODE),
    )
  })
})

describe('appCode extraction', () => {
  it.each([
    [`<script>window.SITE_CONFIG = {appCode:'${APP_CODE}', apiBase:'x'};</script>`],
    [`<script>window.SITE_CONFIG = {"appCode": "${APP_CODE}"}</script>`],
    [`<script>window.SITE_CONFIG = {}; window.SITE_CONFIG['appCode'] = '${APP_CODE}';</script>`],
  ])('reads window.SITE_CONFIG from %s', (html) => {
    expect(extractAppCode(html)).toBe(APP_CODE)
  })

  it('answers null when the page has none', () => {
    expect(extractAppCode('<html><body>维护中</body></html>')).toBeNull()
  })
})
