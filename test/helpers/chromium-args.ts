/**
 * The launch flags of headless Debian Chromium for the e2e tests and the UI benchmark, in a module
 * of their own so the benchmark's bundle does not pull in the server through test/helpers/chromium.ts.
 */

/** Headless, no sandbox (root in CI), nothing that talks to the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
