/** The git layer: the GitStore interface and its one adapter. Nothing outside this folder runs git. */
export * from './store';
export { openGitStore, SimpleGitStore } from './simple-git-store';
