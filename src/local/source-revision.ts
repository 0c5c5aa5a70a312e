import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../repo-root';

/** The git commit of the running code (with `-dirty` when the work tree has changes), for settlement manifests. */
export function sourceRevision(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    // An installed package has no .git: the manifest says so rather than naming a commit it cannot know.
    return 'unknown (not a git checkout)';
  }
}
