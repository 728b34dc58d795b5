/**
 * The project as a newcomer meets it: docs index every command, package.json declares the
 * Node versions it runs on, the licence is there.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './shared.js';

const read = (p: string) => readFileSync(join(projectRoot, p), 'utf8');

/** Command names: the files of src/cli/commands that are not tests. */
function commandNames(): string[] {
  return readdirSync(join(projectRoot, 'src/cli/commands'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

describe('docs/cli.md', () => {
  const doc = read('docs/cli.md');

  it('finds the commands (the list this test checks is not empty)', () => {
    expect(commandNames()).toEqual(expect.arrayContaining(['scan', 'train', 'serve', 'worker', 'reassess']));
  });

  it.each(commandNames())('has a section for `%s` with a synopsis and an exit status', (name) => {
    const heading = `\n## \`${name}\`\n`;
    expect(doc).toContain(heading);
    const body = doc.slice(doc.indexOf(heading) + heading.length).split(/\n## /)[0]!;
    expect(body).toContain(`ntmaldetect ${name}`);
    expect(body).toMatch(/exit (status|code)|### Exit codes/i);
  });

  it.each(commandNames())('lists `%s` in the index table', (name) => {
    expect(doc).toContain(`| [\`${name}\`](#${name}) |`);
  });

  it('links only to docs pages that exist', () => {
    const links = [...doc.matchAll(/\]\(([a-z-]+\.md)(#[^)]*)?\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    for (const l of new Set(links)) expect(existsSync(join(projectRoot, 'docs', l)), l).toBe(true);
  });
});
