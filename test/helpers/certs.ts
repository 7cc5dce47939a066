import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** A PEM key and certificate, as smtp-server's `key`/`cert` options take them. */
export interface CertPair {
  key: string;
  cert: string;
}

const fixtures = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

/** The committed test-only certificates (test/fixtures/tls/README.md). */
export async function fixtureCert(name: 'selfsigned' | 'expired'): Promise<CertPair> {
  const [key, cert] = await Promise.all([
    readFile(join(fixtures, `${name}.key`), 'utf8'),
    readFile(join(fixtures, `${name}.crt`), 'utf8'),
  ]);
  return { key, cert };
}

/**
 * A fresh self-signed certificate valid for `days` from now, made with the openssl CLI in a
 * temporary folder that is removed again. For "expires soon" cases, which no committed file can
 * keep representing.
 */
export async function generateCert(days: number, commonName = 'soon.mx.test'): Promise<CertPair> {
  const dir = await mkdtemp(join(tmpdir(), 'mxlb-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await promisify(execFile)(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-days', String(days), '-subj', `/CN=${commonName}`,
        '-addext', `subjectAltName=DNS:${commonName}`,
        '-keyout', keyFile, '-out', certFile,
      ],
      { timeout: 10_000 },
    );
    const [key, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
    return { key, cert };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
