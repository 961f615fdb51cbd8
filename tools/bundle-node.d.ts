/** See tools/bundle-node.js. */
export function bundleForNode(entry: string, outfile: string): Promise<string>;
