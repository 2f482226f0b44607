import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSigner } from '../../src/path/signer.js';
import { signAsync } from '../../src/path/web-signer.js';

const GOPHER = '500x500/top/raw.githubusercontent.com/cshum/imagor/master/testdata/gopher.png';

const VECTORS: { secret: string; type?: string; truncate?: number; path: string; hash: string }[] = [
  { secret: 'mysecret', path: GOPHER, hash: 'cST4Ko5_FqwT3BDn-Wf4gO3RFSk=' },
  {
    secret: 'mysecret',
    type: 'sha256',
    truncate: 40,
    path: GOPHER,
    hash: 'IGEn3TxngivD0jy4uuiZim2bdUCvhcnVi1Nm0xGy',
  },
  { secret: 'abcd', type: 'sha256', truncate: 28, path: 'assfasf', hash: 'zb6uWXQxwJDOe_zOgxkuj96Etrsz' },
  {
    secret: '1234',
    path: 'meta/10x11:12x13/fit-in/-300x-200/5x6/left/top/smart/filters:some_filter()/img',
    hash: 'VTAq7YIRbEXgtwAcsTMhAjvBuT8=',
  },
  {
    secret: '1234',
    type: 'sha256',
    truncate: 40,
    path: 'meta/10x11:12x13/fit-in/-300x-200/5x6/left/top/smart/filters:some_filter()/img',
    hash: 'XBCO7esuLsNQuSF2v9ie36pESRGx2rzLjhUxXWnV',
  },
];

describe('createSigner', () => {
  for (const v of VECTORS) {
    it(`signs ${v.path.slice(0, 30)}… with ${v.type ?? 'sha1'}/${v.truncate ?? 0} as ${v.hash}`, () => {
      const signer = createSigner(v);
      assert.equal(signer.sign(v.path), v.hash);
      assert.equal(signer.verify(v.path, v.hash), true);
    });
  }

  it('strips one leading slash before signing', () => {
    const s = createSigner({ secret: 'mysecret' });
    assert.equal(s.sign('/' + GOPHER), 'cST4Ko5_FqwT3BDn-Wf4gO3RFSk=');
    assert.notEqual(s.sign('//' + GOPHER), 'cST4Ko5_FqwT3BDn-Wf4gO3RFSk=');
  });

  it('uses padded base64url: 28 chars for sha1, 44 for sha256, 88 for sha512', () => {
    const sign = (type: string): string => createSigner({ secret: 'k', type }).sign('p');
    assert.match(sign('sha1'), /^[A-Za-z0-9_-]{27}=$/);
    assert.match(sign('sha256'), /^[A-Za-z0-9_-]{43}=$/);
    assert.match(sign('sha512'), /^[A-Za-z0-9_-]{86}==$/);
  });

  it('takes the type case-insensitively and falls back to sha1 for unknown types', () => {
    const sha1 = createSigner({ secret: 'mysecret' }).sign(GOPHER);
    assert.equal(createSigner({ secret: 'mysecret', type: 'md5' }).sign(GOPHER), sha1);
    assert.equal(createSigner({ secret: 'mysecret', type: 'constructor' }).sign(GOPHER), sha1);
    assert.equal(
      createSigner({ secret: 'mysecret', type: 'SHA256', truncate: 40 }).sign(GOPHER),
      'IGEn3TxngivD0jy4uuiZim2bdUCvhcnVi1Nm0xGy',
    );
  });

  it('does not truncate when truncate is 0 or longer than the signature', () => {
    assert.equal(
      createSigner({ secret: 'mysecret', truncate: 0 }).sign(GOPHER),
      'cST4Ko5_FqwT3BDn-Wf4gO3RFSk=',
    );
    assert.equal(
      createSigner({ secret: 'mysecret', truncate: 100 }).sign(GOPHER),
      'cST4Ko5_FqwT3BDn-Wf4gO3RFSk=',
    );
    assert.equal(createSigner({ secret: 'mysecret', truncate: 5 }).sign(GOPHER), 'cST4K');
  });

  it('verify rejects tampered paths, tampered hashes and wrong lengths', () => {
    const s = createSigner({ secret: 'mysecret' });
    const hash = 'cST4Ko5_FqwT3BDn-Wf4gO3RFSk=';
    assert.equal(s.verify(GOPHER + 'x', hash), false);
    assert.equal(s.verify(GOPHER, 'dST4Ko5_FqwT3BDn-Wf4gO3RFSk='), false);
    assert.equal(s.verify(GOPHER, hash.slice(0, -1)), false);
    assert.equal(s.verify(GOPHER, hash + '='), false);
    assert.equal(s.verify(GOPHER, ''), false);
    assert.equal(s.verify(GOPHER, 'é'.repeat(14)), false);
    assert.equal(createSigner({ secret: 'other' }).verify(GOPHER, hash), false);
  });

  it('the seed readme vector g5bMqZvxaQK65qFPaP1qlJOTuLM= does not reproduce with mysecret (reported)', () => {
    const path = 'fit-in/500x400/0x20/filters:fill(white)/';
    assert.equal(createSigner({ secret: 'mysecret' }).verify(path, 'g5bMqZvxaQK65qFPaP1qlJOTuLM='), false);
    assert.equal(createSigner({ secret: 'mysecret' }).sign(path), 'b5zpjGohYC9u3jfvUPCtXNS6xjM=');
  });
});

describe('signAsync (WebCrypto)', () => {
  for (const v of VECTORS) {
    it(`gives ${v.hash} like createSigner`, async () => {
      assert.equal(await signAsync(v.path, v.secret, v.type, v.truncate), v.hash);
    });
  }

  it('agrees with createSigner for every type, empty secrets, long secrets, unicode and leading slashes', async () => {
    const secrets = ['', 'k', 'x'.repeat(200), 'sécret😀'];
    const paths = ['', '/', '/a/b', 'fit-in/100x100/日本.jpg', '//x'];
    for (const type of ['sha1', 'sha256', 'sha512', 'SHA512', 'nope', undefined]) {
      for (const secret of secrets) {
        for (const path of paths) {
          for (const truncate of [undefined, 0, 10]) {
            const opts = {
              secret,
              ...(type === undefined ? {} : { type }),
              ...(truncate === undefined ? {} : { truncate }),
            };
            assert.equal(
              await signAsync(path, secret, type, truncate),
              createSigner(opts).sign(path),
              JSON.stringify(opts) + path,
            );
          }
        }
      }
    }
  });
});
