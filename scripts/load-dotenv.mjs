import { existsSync } from 'node:fs';

// Preloaded by each app's `npm run dev` (`tsx watch --import ../../scripts/load-dotenv.mjs`) and
// `npm start` (`node --import ../../scripts/load-dotenv.mjs dist/main.js`): the app's optional
// `.env` (see its `.env.example`), read from the working directory, which npm sets to the app's
// folder. Variables already set in the environment win. Plain JavaScript, so node loads it without
// tsx. Not `node --env-file-if-exists=.env`: on Node 20 it prints "not found" once per thread when
// the file is absent, which is the usual case.
if (existsSync('.env')) process.loadEnvFile('.env');
