/**
 * Where suites are: every file in suites/, and in the folders on HIL_SUITE_PATH (colon-separated,
 * for suites of your own). The runner reads each one's declaration (its checks and needs) by
 * importing it with running switched off.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type DeclaredSuite, readDeclarationsOnly, type SuiteSpec, suiteNameOf } from '../suite.ts';
import { PROJECT_ROOT, runnableFile } from '../util/root.ts';

/** Suite name -> file. A later folder does not replace a suite of the same name. */
export function suiteFiles(): Map<string, string> {
  const dirs = [join(PROJECT_ROOT, 'suites'), ...(process.env.HIL_SUITE_PATH ?? '').split(':').filter(Boolean)];
  const files = new Map<string, string>();
  for (const dir of dirs.map((d) => resolve(d))) {
    for (const file of readdirSync(dir).sort()) {
      if (!/\.[cm]?[jt]s$/.test(file) || file.endsWith('.d.ts')) continue;
      const name = suiteNameOf(file);
      if (!files.has(name)) files.set(name, join(dir, file));
    }
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

export async function declarations(files: string[]): Promise<SuiteSpec[]> {
  readDeclarationsOnly();
  const specs: SuiteSpec[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(runnableFile(file)).href)) as { default?: DeclaredSuite };
    const spec = module.default?.spec;
    if (!spec?.checks) throw new Error(`${file}: a suite's default export is defineSuite(...)`);
    if (spec.name !== suiteNameOf(file))
      throw new Error(`${file}: declares suite "${spec.name}"; name it after its file`);
    specs.push(spec);
  }
  return specs;
}
