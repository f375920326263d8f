// The connector's identities: the user it opens the session as, and the server certificates it trusts.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UserTokenType, type UserIdentityInfo } from 'node-opcua';
import type { OpcuaAuth } from './config';

/** Reads PEM or DER certificate files into DER, naming the file that cannot be read. */
export async function loadTrustedCertificates(files: readonly string[]): Promise<Buffer[]> {
  return Promise.all(
    files.map((file, index) => readCertificate(file, `pki.trustedServerCertificates[${index}]`)),
  );
}

export async function userIdentityOf(auth: OpcuaAuth): Promise<UserIdentityInfo> {
  switch (auth.type) {
    case 'anonymous':
      return { type: UserTokenType.Anonymous };
    case 'username':
      return { type: UserTokenType.UserName, userName: auth.username, password: auth.password };
    case 'certificate': {
      const certificateData = await readCertificate(auth.certificateFile, 'auth.certificateFile');
      const privateKey = await readPrivateKeyPem(auth.privateKeyFile, 'auth.privateKeyFile');
      return { type: UserTokenType.Certificate, certificateData, privateKey };
    }
  }
}

async function readCertificate(file: string, key: string): Promise<Buffer> {
  try {
    // X509Certificate reads PEM and DER alike; `raw` is the DER the OPC UA stack expects.
    return new X509Certificate(await readFile(file)).raw;
  } catch (error) {
    throw new Error(`${key}: cannot read a PEM or DER certificate from ${file}: ${messageOf(error)}`);
  }
}

async function readPrivateKeyPem(file: string, key: string): Promise<string> {
  try {
    const content = await readFile(file);
    const isPem = content.subarray(0, 64).toString('latin1').includes('-----BEGIN');
    const privateKey = isPem
      ? createPrivateKey(content)
      : createPrivateKey({ key: content, format: 'der', type: 'pkcs8' });
    return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  } catch (error) {
    throw new Error(
      `${key}: cannot read a PEM or DER (PKCS#8) private key from ${file}: ${messageOf(error)}`,
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
