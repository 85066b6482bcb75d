import { spawnSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, NOW, ROOT } from './support.js';

// `dry-run --interactive` on a real terminal (issue 6): tmux gives the CLI a pseudo-terminal; the test
// types keys into it and reads the screen back. Prompt, completion, history, paging and Ctrl-D.

const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
if (!hasTmux) console.warn('test/e2e/terminal.test.ts skipped: tmux is not installed (apt-get install -y tmux; .ci/run installs it)');

const WAIT_MS = 10_000;
const SESSION_COMMAND = `node ${CLI} dry-run --interactive --snapshot samples/registry --in-use samples/in-use --now ${NOW}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One tmux server of its own (its own socket, no user configuration) running one session. */
class Terminal {
  private static count = 0;
  readonly socket = `ecr-lifeguard-e2e-${process.pid}-${Terminal.count++}`;

  /** `env` is the environment assignment of the command line, e.g. "PAGER=cat" or "-u PAGER". */
  constructor(env: string) {
    // After the CLI exits the pane says how, and stays so the test can read it.
    const command = `env ${env} ${SESSION_COMMAND}; echo "[exited $?]"; sleep 60`;
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'e2e', '-x', '200', '-y', '50', '-c', ROOT, command);
  }

  private tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', env: { ...process.env, TERM: process.env.TERM || 'xterm-256color' } });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** Key names (Tab, Enter, Up, C-d, ...). */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'e2e', ...keys);
  }

  /** Literal text, typed as is. */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'e2e', '-l', text);
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'e2e');
  }

  /** The last line with text on it (capture-pane drops trailing spaces). */
  lastLine(): string {
    const lines = this.screen().split('\n').filter((l) => l.trim() !== '');
    return lines[lines.length - 1] ?? '';
  }

  /** Polls the screen until the check passes; fails with the screen after WAIT_MS. */
  async waitFor(what: string, check: (screen: string, last: string) => boolean): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const screen = this.screen();
      const lines = screen.split('\n').filter((l) => l.trim() !== '');
      if (check(screen, lines[lines.length - 1] ?? '')) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`);
      await sleep(50);
    }
  }

  /** Waits until the last line is exactly this (the prompt and what is typed after it). */
  waitForLine(line: string): Promise<string> {
    return this.waitFor(`the line "${line}"`, (_s, last) => last === line);
  }

  /**
   * Types a command at the prompt, waits until the terminal echoes it, then presses Enter and waits
   * for the prompt to come back. Waiting for the echo first matters: a screen read between typing and
   * echo still ends with the bare prompt, and would pass for the command's completion.
   */
  async run(prompt: string, command: string, nextPrompt = prompt): Promise<string> {
    this.type(command);
    await this.waitForLine(`${prompt} ${command}`);
    this.keys('Enter');
    return this.waitForLine(nextPrompt);
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { encoding: 'utf8' });
  }
}

describe.skipIf(!hasTmux)('dry-run --interactive on a terminal (tmux)', () => {
  let term: Terminal | undefined;
  beforeAll(() => assertBuilt());
  afterEach(() => {
    term?.kill();
    term = undefined;
  });

  it('prompt, completion of commands, repositories and tags, history, and Ctrl-D with unsaved edits', async () => {
    term = new Terminal('PAGER=cat');
    const prompt = 'legacy/batch @ 2026-11-22>';
    const screen = await term.waitForLine(prompt);
    expect(screen).toContain('ecr-lifeguard interactive: 5 repositories. Type "help" for commands, Tab to complete, Ctrl-D to quit.');

    // A command completes with its space: the next letter lands after it.
    term.type('us');
    term.keys('Tab');
    await term.waitForLine(`${prompt} use`);
    term.type('s');
    await term.waitForLine(`${prompt} use s`);
    // Tab completes the common prefix of the repositories, a second Tab lists them.
    term.keys('Tab');
    await term.waitForLine(`${prompt} use shop/`);
    term.keys('Tab');
    const listed = await term.waitFor('the list of shop/ repositories', (s) => /^shop\/api\s+shop\/web\s*$/m.test(s));
    expect(listed).not.toMatch(/^legacy\/batch\s+platform/m);
    term.type('a');
    term.keys('Tab');
    await term.waitForLine(`${prompt} use shop/api`);
    term.keys('Enter');
    const api = 'shop/api @ 2026-11-22>';
    // The prompt changes with the repository, so waiting for the new one cannot pass early.
    expect(await term.waitForLine(api)).toContain('now on shop/api: 16 images');

    // Tags complete to their common prefix.
    term.type('explain rel');
    term.keys('Tab');
    await term.waitForLine(`${api} explain release-1.`);
    term.type('2');
    await term.waitForLine(`${api} explain release-1.2`);
    term.keys('Enter');
    const explained = await term.waitForLine(api);
    expect(explained).toContain('Verdict: EXPIRE: rule 1 expires it: rank 7 of 9 it selects, beyond the newest 5');

    // An edit: its output, and the prompt marks the policy as edited.
    const edited = await term.run(api, 'set 1 count 90', 'shop/api* @ 2026-11-22>');
    expect(edited).toContain('rule 1: countNumber 5 -> 90');
    expect(edited).toMatch(/sha256:6f13bce35cb5 release-1\.2\s+EXPIRE now \(rule 1\) -> KEEP \[in use\]/);

    // History: Up recalls the previous commands, newest first.
    term.keys('Up');
    await term.waitForLine('shop/api* @ 2026-11-22> set 1 count 90');
    term.keys('Up');
    await term.waitForLine('shop/api* @ 2026-11-22> explain release-1.2');
    term.keys('C-u');
    await term.waitForLine('shop/api* @ 2026-11-22>');

    // Ctrl-D with unsaved edits warns and keeps the session; a second Ctrl-D leaves with exit code 0.
    term.keys('C-d');
    const warned = await term.waitFor('the unsaved-edits warning and a new prompt', (s, last) =>
      s.includes('You have unsaved policy edits (save <file> keeps them). Quit again to discard them.') && last === 'shop/api* @ 2026-11-22>');
    expect(warned).not.toContain('[exited');
    // History survives the warning.
    term.keys('Up');
    await term.waitForLine('shop/api* @ 2026-11-22> set 1 count 90');
    term.keys('C-u');
    await term.waitForLine('shop/api* @ 2026-11-22>');
    term.keys('C-d');
    await term.waitForLine('[exited 0]');
  });

  it('long output goes through the pager (less), q returns to the prompt; short output is not paged', async () => {
    term = new Terminal('-u PAGER -u LESS');
    await term.waitForLine('legacy/batch @ 2026-11-22>');
    const api = 'shop/api @ 2026-11-22>';
    await term.run('legacy/batch @ 2026-11-22>', 'use shop/api', api);
    term.type('show all');
    await term.waitForLine(`${api} show all`);
    term.keys('Enter');
    // less shows its ":" prompt on the last line and waits; the session's prompt is not there yet.
    const paged = await term.waitForLine(':');
    expect(paged).toContain('Repository shop/api — 16 images');
    term.keys('q');
    const back = await term.waitForLine(api);
    expect(back).toMatch(/release-1\.\d/);
    // Short output is written directly.
    const findings = await term.run(api, 'findings');
    expect(findings).toContain('Findings: 3 errors, 1 warnings, 0 info');
    // No edits: one Ctrl-D leaves.
    term.keys('C-d');
    await term.waitForLine('[exited 0]');
  });
});
