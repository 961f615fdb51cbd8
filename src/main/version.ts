/** Version and build information, shown by `--version` and Help › About. */
import pkg from '../../package.json' with { type: 'json' };

export const APP_NAME = 'sipscope';
export const APP_VERSION: string = pkg.version;
