// Private signing keys are stored encrypted at rest (AES-256-GCM with config().keyEncryptionKey).
// The key id is bound as additional authenticated data, so a ciphertext copied onto another
// row does not decrypt: a database writer cannot swap keys between rows unnoticed.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";

function kekBytes(keyEncryptionKey: string): Buffer {
  const key = Buffer.from(keyEncryptionKey, "base64url");
  if (key.length !== 32) throw new Error("keyEncryptionKey must be 32 bytes (base64url)");
  return key;
}

/** "v1.<iv>.<ciphertext+tag>", base64url parts. */
export function encryptSecret(plaintext: string, keyEncryptionKey: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", kekBytes(keyEncryptionKey), iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${iv.toString("base64url")}.${body.toString("base64url")}`;
}

export function decryptSecret(sealed: string, keyEncryptionKey: string, aad: string): string {
  const [version, ivPart, bodyPart] = sealed.split(".");
  if (version !== VERSION || !ivPart || !bodyPart) throw new Error("unrecognised encrypted key format");
  const iv = Buffer.from(ivPart, "base64url");
  const body = Buffer.from(bodyPart, "base64url");
  if (iv.length !== 12 || body.length < 17) throw new Error("unrecognised encrypted key format");
  const decipher = createDecipheriv("aes-256-gcm", kekBytes(keyEncryptionKey), iv);
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(body.subarray(body.length - 16));
  // final() throws when the tag does not verify (wrong key, tampered row, swapped kid).
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
}
