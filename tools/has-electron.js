#!/usr/bin/env node
import { findElectronBinary } from './electron-binary.js';

const { path, reason } = findElectronBinary();
console.log(path ? `electron binary: ${path}` : `electron binary missing: ${reason}`);
process.exit(path ? 0 : 1);
