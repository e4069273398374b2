/**
 * A minimal Dockerfile reader for the packaging tests (hadolint is not available here): joins
 * `\` continuations, drops comments and parser directives, and groups instructions by stage.
 */

/** One instruction, e.g. `{ keyword: 'USER', args: '10001:10001' }`. */
export interface Instruction {
  keyword: string;
  args: string;
}

/** One `FROM image AS name` stage and its instructions. */
export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** The global ARGs before the first FROM, and the stages in order. */
export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Parses Dockerfile text; throws on an instruction before the first FROM other than ARG. */
export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue; // comments (also inside continuations) and directives
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full !== '') logical.push(full);
  }
  const result: Dockerfile = { globalArgs: {}, stages: [] };
  for (const line of logical) {
    const [, keyword = '', args = ''] = line.match(/^(\S+)\s*(.*)$/) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, from = '', name] =
        args.match(/^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i) ?? [];
      result.stages.push({ from, name, instructions: [] });
      continue;
    }
    const stage = result.stages.at(-1);
    if (!stage) {
      if (upper !== 'ARG') throw new Error(`${upper} before the first FROM`);
      const [name = '', value = ''] = args.split('=');
      result.globalArgs[name] = value;
      continue;
    }
    stage.instructions.push({ keyword: upper, args });
  }
  return result;
}

/** The stage named `name` plus the stages it builds FROM, nearest first (instructions inherit). */
export function stageChain(file: Dockerfile, name: string): Stage[] {
  const chain: Stage[] = [];
  let current = file.stages.find((s) => s.name === name);
  while (current) {
    chain.push(current);
    const parent = current.from;
    current = file.stages.find((s) => s.name === parent);
  }
  return chain;
}

/** The value in effect for `keyword` in a target (the last one wins, the child before its parents). */
export function effective(file: Dockerfile, target: string, keyword: string): string | undefined {
  for (const stage of stageChain(file, target)) {
    const found = stage.instructions.filter((i) => i.keyword === keyword).at(-1);
    if (found) return found.args;
  }
  return undefined;
}

/** Replaces `${NAME}` by the global ARG defaults. */
export function expandArgs(file: Dockerfile, value: string): string {
  return value.replace(/\$\{(\w+)\}/g, (whole, name: string) => file.globalArgs[name] ?? whole);
}
