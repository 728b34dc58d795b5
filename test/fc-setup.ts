/** Vitest setup file: every test file's fast-check calls run with the shared bounds (test/fc.ts). */
import { configureFastCheck } from './fc.js';

configureFastCheck();
