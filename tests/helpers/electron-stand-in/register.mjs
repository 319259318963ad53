// `node --import ./register.mjs out/main/index.js`: the app's main bundle with `electron` resolved to stand-in.mjs.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
