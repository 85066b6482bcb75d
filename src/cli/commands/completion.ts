import { UsageError } from '../../model/errors.js';

// `ecr-lifeguard completion [bash|zsh]`: yargs writes the script from the command definitions (the
// script asks `ecr-lifeguard --get-yargs-completions ...` at each Tab, so commands and options are
// always the ones this version has). yargs picks the zsh script when SHELL or ZSH_NAME names zsh; the
// shell given on the command line overrides that for the one run.

export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;

/**
 * For `completion SHELL`: the arguments to give yargs (without the shell, which it does not know) and
 * the environment it should see while building the script. Anything else is returned unchanged.
 */
export function completionRequest(argv: readonly string[]): { argv: string[]; env?: Record<string, string | undefined> } {
  if (argv[0] !== 'completion' || argv.length < 2 || argv[1]!.startsWith('-')) return { argv: [...argv] };
  const shell = argv[1]!;
  if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) throw new UsageError(`completion: the shell must be one of ${COMPLETION_SHELLS.join(', ')}; found "${shell}"`);
  return { argv: [argv[0], ...argv.slice(2)], env: shell === 'zsh' ? { SHELL: '/bin/zsh', ZSH_NAME: 'zsh' } : { SHELL: '/bin/bash', ZSH_NAME: undefined } };
}

/** Applies `env` to process.env (yargs reads the shell from there); returns what restores it. */
export function applyEnv(env: Record<string, string | undefined> | undefined): () => void {
  if (!env) return () => {};
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(env);
  return () => apply(saved);
}
