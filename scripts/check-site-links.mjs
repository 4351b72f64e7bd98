#!/usr/bin/env node
/**
 * Checks the links of the generated API site (typedoc's output, docs/api/): every relative
 * `href` and `src` of every HTML page must point at a file of the site, and a `#fragment` at an
 * element with that id (or name) in the target page. External links (`https:`, `mailto:`…) are
 * not followed, except that one whose host is a markdown file name (`http://guide.md`: how
 * typedoc renders a bare file name it could not resolve) counts as broken.
 *
 * `npm run docs` runs it after rendering, through the typedoc plugin
 * scripts/typedoc-link-check.mjs (a broken link is an error, and the build fails). It also runs
 * alone: node scripts/check-site-links.mjs [out dir]   (default: docs/api)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function htmlFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return htmlFiles(path);
    return entry.name.endsWith('.html') ? [path] : [];
  });
}

const decodeEntities = (text) =>
  text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e]);

/** The broken relative links of a site, as `{ page, link, why }` (page relative to `outDir`). */
export function checkSiteLinks(outDir) {
  const broken = [];
  const ids = new Map(); // page → Set of ids
  const idsOf = (file) => {
    let set = ids.get(file);
    if (!set) {
      set = new Set();
      for (const m of readFileSync(file, 'utf8').matchAll(/\s(?:id|name)="([^"]*)"/g)) set.add(decodeEntities(m[1]));
      ids.set(file, set);
    }
    return set;
  };
  for (const page of htmlFiles(outDir)) {
    // Links inside code blocks are text, not links: only attributes are read.
    const html = readFileSync(page, 'utf8');
    for (const m of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
      const link = decodeEntities(m[2]);
      if (/^https?:\/\/[^/?#]+\.md(?:[/?#]|$)/i.test(link)) {
        broken.push({ page: relative(outDir, page), link, why: 'a file name taken for a web address' });
        continue;
      }
      if (link === '' || /^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('//')) continue;
      const [pathAndQuery, fragment] = link.split('#');
      const path = pathAndQuery.split('?')[0];
      let target = page;
      if (path !== '') {
        target = resolve(dirname(page), decodeURIComponent(path));
        if (!existsSync(target)) {
          broken.push({ page: relative(outDir, page), link, why: 'no such file' });
          continue;
        }
        if (statSync(target).isDirectory()) target = join(target, 'index.html');
        if (!existsSync(target)) {
          broken.push({ page: relative(outDir, page), link, why: 'a folder without index.html' });
          continue;
        }
      }
      if (fragment && target.endsWith('.html') && !idsOf(target).has(decodeURIComponent(fragment))) {
        broken.push({ page: relative(outDir, page), link, why: 'no such anchor' });
      }
    }
  }
  return broken;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? join(root, 'docs/api'));
  if (!existsSync(outDir)) {
    console.error(`check-site-links: ${relative(root, outDir)} does not exist: run npm run docs first.`);
    process.exit(1);
  }
  const broken = checkSiteLinks(outDir);
  for (const b of broken) console.error(`${b.page}: broken link ${b.link} (${b.why})`);
  if (broken.length > 0) {
    console.error(`\ncheck-site-links: ${broken.length} broken link(s) in ${relative(root, outDir)}.`);
    process.exit(1);
  }
  console.log(`check-site-links: every relative link of ${relative(root, outDir)} resolves.`);
}
