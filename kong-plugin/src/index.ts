// Placeholder exports until the control plane lands (issue #5); replaced by the real entry points.
const notYet =
  (name: string) =>
  async (_argv: string[]): Promise<number> => {
    throw new Error(`${name}: not built yet`);
  };
export const runControllerCommand = notYet('controller');
export const runDiffCommand = notYet('diff');
export const runSyncCommand = notYet('sync');
export const runRoutesCommand = notYet('routes');
export const runExplainCommand = notYet('explain');
