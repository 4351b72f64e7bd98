import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';

// docs/cli.md documents every command and option the CLI's own --help lists, and nothing more.
const cliMd = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
const commands = ['generate', 'chat', 'upload', 'credits', 'state', 'export', 'emulator'];

async function help(argv: string[]): Promise<string> {
  let out = '';
  const sink = { write: (s: string) => void (out += s) };
  const code = await main([...argv, '--help'], { stdout: { write: sink.write }, stderr: { write: sink.write }, env: {} });
  expect(code).toBe(0);
  return out;
}

// Long flags from commander's "Options:" section (`  -o, --out <file>  …`).
const flagsOf = (text: string): string[] => [...text.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!);

describe('docs/cli.md', () => {
  test('has a section for every command of --help, and --help lists every documented command', async () => {
    const top = await help([]);
    const listed = [...top.slice(top.indexOf('Commands:')).matchAll(/^ {2}(\w+)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(listed.sort()).toEqual([...commands].sort());
    for (const command of commands) expect(cliMd).toMatch(new RegExp(`^### \`nemovideo ${command}\\b`, 'm'));
  });

  test.each([[''], ...commands.map((c) => [c])])('documents every option of `nemovideo %s --help`', async (command) => {
    const text = await help(command ? [command] : []);
    const flags = flagsOf(text.slice(text.indexOf('Options:')));
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) expect(cliMd, `${flag} of ${command || 'the global options'}`).toMatch(new RegExp(`\\| \`(?:-\\w, )?${flag}\\b`));
  });

  test('documents no option the CLI does not have', async () => {
    const known = new Set<string>();
    for (const command of ['', ...commands]) for (const flag of flagsOf(await help(command ? [command] : []))) known.add(flag);
    const documented = [...cliMd.matchAll(/^\| `(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!);
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.filter((flag) => !known.has(flag))).toEqual([]);
  });
});

describe('docs/cli.md › Output', () => {
  test('documents every progress phase a whole `generate --json --out` prints, `done` included', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const home = await mkdtemp(join(tmpdir(), 'nemovideo-cli-help-'));
    try {
      let out = '';
      const code = await main(['generate', 'a 10-second video about a lighthouse', '--emulator', '--json', '--out', join(home, 'v.mp4')], {
        stdout: { write: (s: string) => void (out += s) },
        stderr: { write: () => {} },
        env: { HOME: home },
      });
      expect(code).toBe(0);
      const phases = new Set(
        out
          .split('\n')
          .filter((line) => line.startsWith('{"progress"'))
          .map((line) => (JSON.parse(line) as { progress: { phase: string } }).progress.phase),
      );
      expect([...phases]).toEqual(expect.arrayContaining(['session', 'state', 'render', 'done', 'download']));
      const output = cliMd.slice(cliMd.indexOf('## Output'), cliMd.indexOf('## Errors'));
      for (const phase of phases) expect(output, phase).toMatch(new RegExp(`"phase": (?:[^|]*\\\\\\| )*"${phase}"`));
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
