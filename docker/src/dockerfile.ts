/** One instruction of a Dockerfile: its upper-cased keyword and its arguments, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
}

/** One build stage: the `FROM` image, its `AS` name, and its instructions after `FROM`. */
export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/**
 * Splits a Dockerfile into stages: enough of the format to check what an image ships and
 * runs as, not a full parser (no heredocs, no escape-directive changes).
 * @param source the Dockerfile's text
 * @returns the stages in order, and the `ARG`s declared before the first `FROM`
 * @see https://docs.docker.com/reference/dockerfile/
 */
export function parseDockerfile(source: string): { globalArgs: Instruction[]; stages: Stage[] } {
  const logical = source
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (match === null) continue;
    const instruction = { keyword: (match[1] ?? '').toUpperCase(), args: (match[2] ?? '').trim() };
    if (instruction.keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      stages.push({ from: from?.[1] ?? instruction.args, name: from?.[2], instructions: [] });
    } else if (stages.length === 0) {
      globalArgs.push(instruction);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}
