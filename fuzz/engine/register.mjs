// Registers the coverage hook (instrument-hook.mjs) after tsx, so it sees tsx's JavaScript output.
// Used as: node --import tsx --import ./fuzz/engine/register.mjs fuzz/engine/child.ts …
import { register } from 'node:module';

register('./instrument-hook.mjs', import.meta.url);
