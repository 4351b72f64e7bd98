/**
 * The tools behind `npm run check:docs` and `npm run docs`: the `// → …` comment check of the
 * runnable samples, and the link check of the generated site.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
// @ts-expect-error: plain JavaScript scripts, without declarations
import { commentPattern, instrument } from '../../scripts/run-samples.mjs';
// @ts-expect-error: plain JavaScript scripts, without declarations
import { checkSiteLinks } from '../../scripts/check-site-links.mjs';

describe('the // → comment of a runnable sample', () => {
  test('is literal text where … stands for any text', () => {
    const pattern: RegExp = commentPattern('Timeline (3 tracks): 1. Video: … 2. BGM: …');
    expect(pattern.test('Timeline (3 tracks): 1. Video: lighthouse (0-10s) 2. BGM: Upbeat (0-10s, 35%)')).toBe(true);
    expect(pattern.test('Timeline (1 track): 1. Video: lighthouse (0-10s)')).toBe(false);
    expect(pattern.test('xTimeline (3 tracks): 1. Video: a 2. BGM: b')).toBe(false); // anchored
    expect(commentPattern('a.b').test('axb')).toBe(false); // no regex syntax
  });

  test('instrumenting reports only console.log lines with an arrow comment, and keeps line numbers', () => {
    const code = ["const a = 1;", "console.log(a); // → 1", "console.log(a); // just a remark", "  console.log(`${a} credits`); // → … credits"].join('\n');
    const { code: out, expectations } = instrument(code) as { code: string; expectations: Array<{ line: number; comment: string }> };
    expect(expectations.map((e) => [e.line, e.comment])).toEqual([[2, '1'], [4, '… credits']]);
    const lines = out.split('\n');
    expect(lines.slice(0, 4)).toEqual(['const a = 1;', '__nemoDocsLog(0, a);', 'console.log(a); // just a remark', '  __nemoDocsLog(1, `${a} credits`);']);
    expect(lines[4]).toMatch(/^function __nemoDocsLog\(/);
  });
});

describe('the link check of the generated site', () => {
  const site = mkdtempSync(join(tmpdir(), 'nemovideo-site-'));
  afterAll(() => rmSync(site, { recursive: true, force: true }));

  test('finds missing files, missing anchors and file names taken for hosts, and nothing else', () => {
    mkdirSync(join(site, 'classes'));
    writeFileSync(join(site, 'index.html'), [
      '<a href="classes/A.html#m">ok</a>',
      '<a href="classes/A.html#missing">bad anchor</a>',
      '<a href="classes/B.html">no file</a>',
      '<img src="assets/logo.png">',
      '<a href="https://example.com/x.html">external</a>',
      '<a href="http://guide.md">file as host</a>',
      '<a href="#top">self</a><h1 id="top"></h1>',
      '<code>href="nowhere.html" in text</code>',
    ].join('\n'));
    writeFileSync(join(site, 'classes/A.html'), '<h2 id="m">m</h2><a href="../index.html">up</a>');
    const broken = checkSiteLinks(site) as Array<{ page: string; link: string; why: string }>;
    expect(broken.map((b) => [b.page, b.link, b.why])).toEqual([
      ['index.html', 'classes/A.html#missing', 'no such anchor'],
      ['index.html', 'classes/B.html', 'no such file'],
      ['index.html', 'assets/logo.png', 'no such file'],
      ['index.html', 'http://guide.md', 'a file name taken for a web address'],
    ]);
  });
});
