import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  mintToken,
  parseDurationSeconds,
  resolveJwtKeys,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  verifyToken,
  type JwtKeys,
} from './jwt';

const hs: JwtKeys = { algorithm: 'HS256', secret: 's'.repeat(32) };
const pair = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const rs: JwtKeys = { algorithm: 'RS256', publicKey: pair.publicKey, privateKey: pair.privateKey };

describe('registry tokens', () => {
  it('round-trips service and admin claims', () => {
    const service = verifyToken(
      hs,
      mintToken(
        hs,
        { role: 'service', service: 'orders', prefixes: ['/orders'] },
        { ttlSeconds: 60 },
      ),
    );
    expect(service).toMatchObject({ role: 'service', service: 'orders', prefixes: ['/orders'] });
    expect(verifyToken(rs, mintToken(rs, { role: 'admin' }, { ttlSeconds: 60 }))).toMatchObject({
      role: 'admin',
    });
  });

  it('pins the algorithm: an HS256 token signed with the RSA public key fails RS256 verification', () => {
    const forged = jwt.sign({ role: 'admin' }, pair.publicKey, {
      algorithm: 'HS256',
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      expiresIn: 60,
    });
    expect(() => verifyToken(rs, forged)).toThrow(
      expect.objectContaining({ code: 'REG_ERR_UNAUTHORIZED' }),
    );
  });

  it('expired tokens have their own code', () => {
    const expired = jwt.sign({ role: 'admin', exp: Math.floor(Date.now() / 1000) - 1 }, hs.secret, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
    });
    expect(() => verifyToken(hs, expired)).toThrow(
      expect.objectContaining({ code: 'REG_ERR_TOKEN_EXPIRED' }),
    );
  });

  it('refuses to mint RS256 without a private key', () => {
    expect(() =>
      mintToken({ ...rs, privateKey: null }, { role: 'admin' }, { ttlSeconds: 60 }),
    ).toThrow(/PRIVATE_KEY/);
  });

  it('generates a random secret when none is configured', () => {
    const a = resolveJwtKeys({ algorithm: 'none-configured', ephemeral: true });
    const b = resolveJwtKeys({ algorithm: 'none-configured', ephemeral: true });
    expect(a.algorithm).toBe('HS256');
    expect(a).not.toEqual(b);
  });

  it.each([
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604800],
    ['0', null],
    ['1w', null],
    ['-1h', null],
  ])('parses duration %s', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });
});
