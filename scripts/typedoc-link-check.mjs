/**
 * A typedoc plugin (typedoc.json › plugin): once the site is rendered, checks that every
 * relative link and image of its pages resolves (scripts/check-site-links.mjs). A broken link is
 * logged as an error, so `npm run docs` fails on it.
 */
import { relative } from 'node:path';
import { RendererEvent } from 'typedoc';
import { checkSiteLinks } from './check-site-links.mjs';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.renderer.on(RendererEvent.END, (event) => {
    const broken = checkSiteLinks(event.outputDirectory);
    for (const b of broken) app.logger.error(`Broken link in the generated site: ${b.page} → ${b.link} (${b.why})`);
    if (broken.length === 0) app.logger.info(`Site links: every relative link of ${relative(process.cwd(), event.outputDirectory)} resolves.`);
  });
}
