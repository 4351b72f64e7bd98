// Node from CommonJS: `require` the installed package (its CJS build), run the flow.
const sdk = require('nemovideo');
const [baseURL, clientId] = process.argv.slice(2);
import('./flow.mjs')
  .then(({ flow }) => flow(sdk, baseURL, clientId))
  .then((result) => console.log(JSON.stringify(result)))
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
