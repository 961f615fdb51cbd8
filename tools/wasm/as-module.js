// What the WebAssembly build scripts share (build-sip-scan.js, build-ingest-pass.js): compile one
// AssemblyScript source in memory, write its bytes as a TypeScript module (base64), and the
// command line (`--check`: exit 1 when the checked-in module differs from the source's output).
// (The sources are named .as, not .ts, so the project's TypeScript and ESLint do not read them; the
// compiler is handed each under a .ts name.)
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Compiles `sourcePath` with AssemblyScript and `flags`; resolves to the .wasm bytes. */
export async function compileAs(sourcePath, flags) {
  const { default: asc } = await import('assemblyscript/asc');
  const source = readFileSync(sourcePath, 'utf8');
  const name = basename(sourcePath, '.as');
  let wasm = null;
  const stderr = [];
  const { error } = await asc.main([`${name}.ts`, '--outFile', `${name}.wasm`, ...flags], {
    readFile: (file) => (file === `${name}.ts` ? source : null),
    writeFile: (file, contents) => {
      if (file.endsWith('.wasm')) wasm = contents;
    },
    listFiles: () => [],
    stdout: { write: () => true },
    stderr: { write: (s) => (stderr.push(String(s)), true) },
  });
  if (error || !wasm) throw new Error(`asc failed: ${error ?? 'no output'}\n${stderr.join('')}`);
  return new Uint8Array(wasm);
}

/**
 * The TypeScript module text holding `bytes` as `export const NAME` (base64 in 100-character lines).
 * @param o.header the comment lines above it (each without its `// `).
 */
export function asModuleText(bytes, o) {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines = b64.match(/.{1,100}/g) ?? [];
  return (
    o.header.map((l) => `// ${l}\n`).join('') +
    `export const ${o.name} =\n` +
    lines.map((l) => `  '${l}'`).join(' +\n') +
    ';\n'
  );
}

/** A build script's command line: writes `target`, or with `--check` compares it and exits 0/1. */
export function buildMain(target, text) {
  const file = basename(target);
  if (process.argv.includes('--check')) {
    const same = readFileSync(target, 'utf8') === text;
    console.log(same ? `${file} is up to date` : `${file} differs from its source`);
    process.exit(same ? 0 : 1);
  }
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
