// Browser journeys against the real `amps` binary and the built SPA, in Debian's Chromium.
import { defineConfig } from '@playwright/test';

const port = process.env.AMPS_E2E_PORT || '18080';
const dataDir = `${process.cwd()}/artifacts/data`;
// A second server for the PIV/CAC journey: HTTPS terminated by `amps serve` itself, and its
// certificate sign-in listener (which asks for a client certificate) on the next port.
const tlsPort = process.env.AMPS_E2E_TLS_PORT || '18443';
const certPort = String(Number(tlsPort) + 1);
const tlsDataDir = `${process.cwd()}/artifacts/data-tls`;
const pki = `${process.cwd()}/artifacts/pki`;

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: './artifacts/test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: [{
    command: `rm -rf "${dataDir}" && mkdir -p "${dataDir}" && ../../target/debug/amps seed --demo >/dev/null && ../../target/debug/amps serve`,
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      AMPS_BIND: `127.0.0.1:${port}`,
      AMPS_DATA_DIR: dataDir,
      AMPS_WEB_DIR: `${process.cwd()}/../../web/dist`,
      AMPS_SMTP_URL: '',
      // The journeys read mail from the development mailbox (on loopback only).
      AMPS_DEV_MAILBOX: 'true',
      // Journeys that need weeks to pass move the server's clock forward (loopback only), and
      // the deadlines job acts on it within a second.
      AMPS_DEV_CLOCK: 'true',
      AMPS_DEADLINES_EVERY_SECONDS: '1',
    },
  }, {
    command: `sh pki.sh "${pki}" && rm -rf "${tlsDataDir}" && mkdir -p "${tlsDataDir}" && ../../target/debug/amps seed --demo >/dev/null && ../../target/debug/amps serve`,
    url: `https://127.0.0.1:${tlsPort}/readyz`,
    ignoreHTTPSErrors: true,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      AMPS_BIND: `127.0.0.1:${tlsPort}`,
      // A host name: WebAuthn (security keys) does not work on an IP address.
      AMPS_PUBLIC_URL: `https://localhost:${tlsPort}/`,
      AMPS_CERT_BIND: `127.0.0.1:${certPort}`,
      AMPS_TLS_CERT: `${pki}/server.pem`,
      AMPS_TLS_KEY: `${pki}/server.key`,
      AMPS_CLIENT_CA: `${pki}/ca.pem`,
      AMPS_DATA_DIR: tlsDataDir,
      AMPS_WEB_DIR: `${process.cwd()}/../../web/dist`,
      AMPS_SMTP_URL: '',
      AMPS_DEV_MAILBOX: 'true',
      AMPS_DEV_CLOCK: 'true',
    },
  }],
});
