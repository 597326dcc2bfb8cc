/**
 * `nightshift init`: lays out a project — nightshift.toml, .nightshift/ (logs, an empty store),
 * AGENT.md, .skills/ and the chosen tool's wrapper files — without ever overwriting a user's file.
 * Re-running adds what is missing and reports what it kept.
 */
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, renderConfig } from '../config/load.js';
import type { BackendName, Config } from '../config/schema.js';
import { UserError, errorMessage } from '../errors.js';
import { projectPaths, skillsDir, templatesDir } from '../paths.js';
import { createEmptyStore } from './project-store.js';
import { gitRepositoryInfo } from './probe.js';

/** The line `init` adds to `.gitignore`. */
export const GITIGNORE_LINE = '.nightshift/';

/** What `nightshift init` was asked to do. */
export interface ScaffoldOptions {
  /** The project folder; created when missing. */
  readonly dir: string;
  /**
   * The backend that becomes `[backend] default`; its wrapper files are written. When absent:
   * the default of an existing nightshift.toml, else `claude`.
   */
  readonly backend?: BackendName;
  /** `[project] name`; defaults to an existing nightshift.toml's name, else the folder's name. */
  readonly name?: string;
}

/** What `nightshift init` did, with paths relative to the project root (folders end in `/`). */
export interface ScaffoldResult {
  readonly root: string;
  readonly project: string;
  /** The backend whose wrapper files were written. */
  readonly backend: BackendName;
  /** True when the project folder itself did not exist. */
  readonly createdRoot: boolean;
  /** Files and folders written by this run. */
  readonly created: readonly string[];
  /** Existing files this run added to (only `.gitignore`). */
  readonly updated: readonly string[];
  /** Files and folders that were already there and were left untouched. */
  readonly skipped: readonly string[];
  /** True when the folder is inside a git work tree. */
  readonly gitRepository: boolean;
  /** Things the user should know but that did not stop init. */
  readonly warnings: readonly string[];
}

/** Per-tool wrapper folders under templates/wrappers/; `sim` needs none. */
const WRAPPERS: Readonly<Record<BackendName, string | undefined>> = {
  claude: 'claude',
  codex: 'codex',
  gemini: 'gemini',
  opencode: 'opencode',
  sim: undefined,
};

/** Scaffolds the project; throws a UserError (having written nothing) when `dir` is not a folder. */
export async function scaffold(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const root = path.resolve(options.dir);
  const createdRoot = await prepareRoot(root);
  const paths = projectPaths(root);
  const warnings: string[] = [];
  const existing = await readExistingConfig(paths.config, warnings);
  const backend = options.backend ?? existing?.backend.default ?? 'claude';
  const project = options.name?.trim() || existing?.project.name || path.basename(root);
  if (
    existing !== undefined &&
    options.backend !== undefined &&
    options.backend !== existing.backend.default
  ) {
    warnings.push(
      `kept nightshift.toml, whose [backend] default is still "${existing.backend.default}": edit it to make ${options.backend} the default`,
    );
  }
  const log = new ScaffoldLog(root);

  await log.file(paths.config, () => renderConfig({ name: project, backend }));
  // nightshift's own folders are the user's alone, whatever the umask (DESIGN.md §8).
  await log.folder(paths.dir, 0o700);
  await log.folder(paths.logs, 0o700);
  await log.file(path.join(root, 'AGENT.md'), () => readFile(path.join(templatesDir, 'AGENT.md'), 'utf8'));
  await log.tree(skillsDir, path.join(root, '.skills'));
  const wrapper = WRAPPERS[backend];
  if (wrapper !== undefined) await log.tree(path.join(templatesDir, 'wrappers', wrapper), root);
  await ensureGitignore(root, log);

  if (await exists(paths.state)) log.skip(paths.state);
  else {
    await createEmptyStore(root, project);
    log.create(paths.state);
  }

  const git = await gitRepositoryInfo(root);
  if (git.kind === 'not-a-repository') {
    warnings.push(`${root} is not a git repository: run \`git init\` there before \`nightshift run\``);
  } else if (git.kind === 'no-git') {
    warnings.push(`cannot check for a git repository (${git.error}): install git before \`nightshift run\``);
  }

  return {
    root,
    project,
    backend,
    createdRoot,
    created: log.created,
    updated: log.updated,
    skipped: log.skipped,
    gitRepository: git.kind === 'repository',
    warnings,
  };
}

/** The project's nightshift.toml when there is one; a broken one becomes a warning, not an error. */
async function readExistingConfig(file: string, warnings: string[]): Promise<Config | undefined> {
  if (!(await exists(file))) return undefined;
  try {
    return await loadConfig(path.dirname(file));
  } catch (error) {
    warnings.push(`kept nightshift.toml, which does not load: ${errorMessage(error)}`);
    return undefined;
  }
}

/** Creates the root when missing (returns true); refuses a path that is not a folder. */
async function prepareRoot(root: string): Promise<boolean> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(root)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UserError(`cannot use ${root}: ${errorMessage(error)}`, { cause: error });
    }
    try {
      await mkdir(root, { recursive: true });
    } catch (mkdirError) {
      throw new UserError(`cannot create the folder ${root}: ${errorMessage(mkdirError)}`, {
        hint: 'check that its parent is a writable folder, or pass another path',
        cause: mkdirError,
      });
    }
    return true;
  }
  if (!isDirectory) {
    throw new UserError(`${root} exists and is not a folder: nothing was written`, {
      hint: 'pass the folder of the repository to set up, e.g. `nightshift init path/to/repo`',
    });
  }
  return false;
}

/** Writes what is missing and records every path as created, updated or skipped. */
class ScaffoldLog {
  readonly created: string[] = [];
  readonly updated: string[] = [];
  readonly skipped: string[] = [];

  constructor(private readonly root: string) {}

  /** The path as the user sees it: relative to the root, with `/` after folders. */
  relative(target: string, folder = false): string {
    const rel = path.relative(this.root, target).split(path.sep).join('/');
    return folder ? `${rel}/` : rel;
  }

  create(target: string, folder = false): void {
    this.created.push(this.relative(target, folder));
  }

  skip(target: string, folder = false): void {
    this.skipped.push(this.relative(target, folder));
  }

  update(target: string): void {
    this.updated.push(this.relative(target));
  }

  /** Creates a folder (and its parents, with `mode` when given) unless it exists. */
  async folder(target: string, mode?: number): Promise<void> {
    try {
      await mkdir(target, { mode });
      this.create(target, true);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await isFolder(target))) this.skip(target, true);
      else if (code === 'ENOENT') {
        await mkdir(target, { recursive: true, mode });
        this.create(target, true);
      } else throw writeError(target, error);
    }
  }

  /**
   * Writes a file unless one is there. The `wx` flag makes the check and the write one step, so a
   * file that appears in between is never overwritten.
   */
  async file(target: string, content: () => string | Promise<string>, mode?: number): Promise<void> {
    if (await exists(target)) {
      this.skip(target);
      return;
    }
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await writeFile(target, await content(), { flag: 'wx', mode });
      this.create(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') this.skip(target);
      else throw writeError(target, error);
    }
  }

  /** Copies every file under `from` to the same relative path under `to`, file by file. */
  async tree(from: string, to: string): Promise<void> {
    const entries = await readdir(from, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isDirectory()) await this.tree(source, target);
      else if (entry.isFile()) {
        const mode = (await stat(source)).mode & 0o777;
        await this.file(target, () => readFile(source, 'utf8'), mode);
      }
    }
  }
}

/** Adds `.nightshift/` to `.gitignore` unless a line already ignores it. */
async function ensureGitignore(root: string, log: ScaffoldLog): Promise<void> {
  const file = path.join(root, '.gitignore');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw writeError(file, error);
    await log.file(
      file,
      () => `# nightshift's store, logs and engine socket (see nightshift.toml)\n${GITIGNORE_LINE}\n`,
    );
    return;
  }
  if (ignoresNightshift(text)) {
    log.skip(file);
    return;
  }
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  try {
    await writeFile(file, `${text}${separator}${GITIGNORE_LINE}\n`);
  } catch (error) {
    throw writeError(file, error);
  }
  log.update(file);
}

/** True when a .gitignore has a line that ignores the root's `.nightshift` folder. */
export function ignoresNightshift(gitignore: string): boolean {
  return gitignore
    .split(/\r?\n/)
    .map((line) => line.trim())
    .some((line) =>
      [
        '.nightshift',
        '.nightshift/',
        '/.nightshift',
        '/.nightshift/',
        '.nightshift/*',
        '/.nightshift/*',
      ].includes(line),
    );
}

async function exists(target: string): Promise<boolean> {
  try {
    await stat(target);
    return true;
  } catch {
    return false;
  }
}

async function isFolder(target: string): Promise<boolean> {
  try {
    return (await stat(target)).isDirectory();
  } catch {
    return false;
  }
}

function writeError(target: string, error: unknown): UserError {
  return new UserError(`cannot write ${target}: ${errorMessage(error)}`, { cause: error });
}
