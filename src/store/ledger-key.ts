import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FirebreakError } from '../core/index.ts';

/**
 * The Ed25519 key that signs ledger checkpoints. It lives in a file outside the store, so that
 * someone who can write to the store's database cannot forge a checkpoint. Created on first use
 * (mode 0600); every Firebreak process that shares a store must be given the same key file.
 */
export interface SigningKey {
  /** `ed25519:` and the first 16 hex digits of the SHA-256 of the public key (SPKI DER). */
  readonly id: string;
  readonly publicKeyPem: string;
  sign(text: string): string;
}

export interface VerifyingKeys {
  /** Whether `signature` (base64) over `text` was made by the trusted key `id`; false for unknown keys. */
  verify(id: string, text: string, signature: string): boolean;
}

export function loadOrCreateSigningKey(path: string): SigningKey {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT')
      throw new FirebreakError('invalid_config', `cannot read the ledger key ${path}: ${(error as Error).message}`);
    pem = createKeyFile(path);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new FirebreakError('invalid_config', `the ledger key ${path} is not a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new FirebreakError('invalid_config', `the ledger key ${path} is not an Ed25519 key`);
  const publicKey = createPublicKey(privateKey);
  return {
    id: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (text) => sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64'),
  };
}

/** Trusts the given public keys (PEM), by id. */
export function verifyingKeys(publicKeysPem: readonly string[]): VerifyingKeys {
  const keys = new Map(
    publicKeysPem.map((pem) => {
      const key = createPublicKey(pem);
      return [keyIdOf(key), key] as const;
    }),
  );
  return {
    verify(id, text, signature) {
      const key = keys.get(id);
      if (key === undefined) return false;
      try {
        return verify(null, Buffer.from(text, 'utf8'), key, Buffer.from(signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

/** Writes a new key; if another process wrote one first, that one is used. */
function createKeyFile(path: string): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Written whole to a private file, then linked into place: a process starting at the same
  // moment sees either no key or the complete one, and link refuses to replace an existing key.
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, pem, { mode: 0o600 });
    linkSync(temporary, path);
    writeFileSync(`${path}.pub`, publicKey.export({ type: 'spki', format: 'pem' }).toString(), { mode: 0o644 });
    return pem;
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return readFileSync(path, 'utf8');
    throw new FirebreakError('invalid_config', `cannot create the ledger key ${path}: ${(error as Error).message}`);
  } finally {
    rmSync(temporary, { force: true });
  }
}
