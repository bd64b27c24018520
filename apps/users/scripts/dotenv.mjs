import { existsSync } from 'node:fs';

// Preloaded by `npm run dev` (`tsx watch --import ./scripts/dotenv.mjs`) and `npm start`
// (`node --import ./scripts/dotenv.mjs dist/main.js`): this app's optional `.env` (see
// `.env.example`), relative to the app's folder. Variables already set in the environment win.
// Plain JavaScript so that node loads it without tsx. Not `node --env-file-if-exists=.env`: on
// Node 20 it prints "not found" once per thread when the file is absent, which is the usual case.
if (existsSync('.env')) process.loadEnvFile('.env');
