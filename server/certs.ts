// HTTPS certificates. Office only loads add-ins over HTTPS, so on first start the service makes a development CA and a
// localhost certificate offline (office-addin-dev-certs' generateCertificates; never getHttpsServerOptions, which tries
// to install the CA with sudo) and reuses them afterwards. A real certificate comes from options or the environment.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  /** Set for the generated development certificate: the CA to trust. */
  caPath?: string;
  generated?: boolean;
}

const DAYS = 365;

function stillValid(certPath: string): boolean {
  try {
    const cert = new X509Certificate(readFileSync(certPath));
    return Date.parse(cert.validTo) > Date.now() + 24 * 3600 * 1000;
  } catch {
    return false;
  }
}

/** The development certificate in <dataDir>/certs, generated when missing or about to expire. */
export async function developmentCertificate(dataDir: string): Promise<TlsFiles> {
  const dir = join(dataDir, 'certs');
  const caPath = join(dir, 'ca.crt');
  const certPath = join(dir, 'localhost.crt');
  const keyPath = join(dir, 'localhost.key');
  let generated = false;
  if (!existsSync(caPath) || !existsSync(certPath) || !existsSync(keyPath) || !stillValid(certPath)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Loaded only when needed (the package pulls in its usage-data module at import), and with require(): it is
    // CommonJS, whose named exports an import() gave from the TypeScript sources but not from the build (whose chunk
    // for it exported only a default), so `npm start` could not make a certificate.
    const { generateCertificates } = createRequire(import.meta.url)('office-addin-dev-certs/lib/generate.js') as {
      generateCertificates: (ca: string, cert: string, key: string, days: number, domains: string[]) => Promise<void>;
    };
    await generateCertificates(caPath, certPath, keyPath, DAYS, ['localhost', '127.0.0.1', '::1']);
    generated = true;
  }
  return { cert: readFileSync(certPath), key: readFileSync(keyPath), caPath, generated };
}

/** A certificate given by paths (options, or NAOME_TLS_CERT / NAOME_TLS_KEY). */
export function certificateFromFiles(certPath: string, keyPath: string): TlsFiles {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`Cannot read the TLS ${what} "${path}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
    }
  };
  return { cert: read(certPath, 'certificate'), key: read(keyPath, 'key') };
}

/** How to trust the development CA, per platform. */
export function trustInstructions(caPath: string): string[] {
  return [
    `  Windows:  certutil -user -addstore Root "${caPath}"   (or double-click it > Install > Current User > Trusted Root)`,
    `  macOS:    sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "${caPath}"`,
    `  Linux:    sudo cp "${caPath}" /usr/local/share/ca-certificates/naome-dev-ca.crt && sudo update-ca-certificates`,
  ];
}
