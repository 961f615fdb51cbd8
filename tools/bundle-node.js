// Bundles one TypeScript entry for Node with esbuild, the way the app ships its code (no keepNames
// helpers, which tsx adds to every named function): used by the bench runner (tools/bench.js) and by
// benchmarks that run helper scripts of their own (bench/ingest.bench.ts).

/**
 * @param {string} entry the .ts file to bundle
 * @param {string} outfile where the ESM bundle goes (dependencies stay external)
 * @returns {Promise<string>} `outfile`
 */
export async function bundleForNode(entry, outfile) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}
