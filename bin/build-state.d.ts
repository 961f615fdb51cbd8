export declare const BUILD_INPUTS: string[];
export declare const BUILD_OUTPUTS: string[];
/** True when an output in out/ is missing or older than any build input. */
export declare function buildIsStale(root: string): boolean;
