import { VERSION } from '../version.js';

process.stdout.write(`nemovideo ${VERSION}\n`);
