// SHA-crypt off the main thread (see crypt-formats.ts): unixcrypt stretches synchronously.
import { encrypt } from 'unixcrypt';

/** @param {{ password: string, setting: string }} task */
export default function shaCrypt({ password, setting }) {
  return encrypt(password, setting);
}
