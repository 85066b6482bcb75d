import { spawnSync } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { COMMANDS, type Session } from './session.js';

// The session's edge: a prompt with history and tab completion on a terminal; plain lines otherwise.

export interface ReplStreams {
  input: Readable & { isTTY?: boolean };
  output: Writable & { isTTY?: boolean; rows?: number };
  env: NodeJS.ProcessEnv;
}

const SHOW_FILTERS = ['all', 'expired', 'transitioned', 'kept', 'in-use'];

/** Completion of commands, repository names, tags, digests and rule priorities. */
export function complete(session: Session, line: string): [string[], string] {
  const words = line.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  let candidates: string[];
  if (words.length <= 1) candidates = Object.keys(COMMANDS);
  else {
    switch (words[0]) {
      case 'use': candidates = session.repositoryNames; break;
      case 'explain': candidates = session.imageWords(); break;
      case 'show': candidates = SHOW_FILTERS; break;
      case 'help': candidates = Object.keys(COMMANDS); break;
      case 'set': candidates = words.length === 2 ? session.rulePriorities() : words.length === 3 ? ['count'] : []; break;
      case 'remove':
      case 'move': candidates = words.length === 2 ? session.rulePriorities() : []; break;
      case 'at': candidates = ['now', '+7d', '+30d', '+90d']; break;
      default: candidates = [];
    }
  }
  return [candidates.filter((c) => c.startsWith(last)), last];
}

export async function runRepl(session: Session, streams: ReplStreams): Promise<void> {
  const tty = Boolean(streams.input.isTTY && streams.output.isTTY);
  const write = (t: string) => {
    streams.output.write(t);
  };
  if (!tty) {
    // Scripted: one command per line, output only (no prompt echo), stop at quit or end of input.
    const rl = createInterface({ input: streams.input, terminal: false });
    for await (const line of rl) {
      const r = await session.execute(line);
      write(r.output);
      if (r.quit) {
        rl.close();
        return;
      }
    }
    if (session.hasUnsavedEdits()) write('warning: input ended with unsaved policy edits (they are discarded)\n');
    return;
  }

  write(`ecr-lifeguard interactive: ${session.repositoryNames.length} repositories. Type "help" for commands, Tab to complete, Ctrl-D to quit.\n`);
  const history: string[] = [];
  for (;;) {
    const rl: Interface = createInterface({
      input: streams.input, output: streams.output, terminal: true, history: [...history], historySize: 1000,
      completer: (line: string) => complete(session, line),
    });
    const ended = await new Promise<'quit' | 'eof'>((resolve) => {
      let done = false;
      const finish = (how: 'quit' | 'eof') => {
        if (!done) {
          done = true;
          resolve(how);
        }
      };
      rl.on('close', () => finish('eof'));
      rl.on('SIGINT', () => {
        write('^C (type quit or press Ctrl-D to leave)\n');
        rl.prompt();
      });
      rl.on('line', (line) => {
        if (line.trim()) history.unshift(line);
        rl.pause();
        void session.execute(line).then((r) => {
          page(r.output, streams, rl);
          if (r.quit) {
            done = true;
            rl.close();
            resolve('quit');
            return;
          }
          rl.setPrompt(session.prompt());
          rl.resume();
          rl.prompt();
        });
      });
      rl.setPrompt(session.prompt());
      rl.prompt();
    });
    if (ended === 'quit') return;
    // Ctrl-D: warn once about unsaved edits, then a second Ctrl-D (or quit) leaves.
    const r = session.quit();
    write('\n' + r.output);
    if (r.quit) return;
  }
}

/** Long output goes through the pager on a terminal ($PAGER, else less -RFX); short output is written. */
function page(text: string, streams: ReplStreams, rl: Interface): void {
  const rows = streams.output.rows ?? 24;
  if (text.split('\n').length < rows - 1) {
    streams.output.write(text);
    return;
  }
  const [cmd, ...args] = (streams.env.PAGER && streams.env.PAGER.trim()) ? streams.env.PAGER.trim().split(/\s+/) : ['less', '-RFX'];
  const r = spawnSync(cmd!, args, { input: text, stdio: ['pipe', 'inherit', 'inherit'] });
  if (r.error || r.status !== 0) streams.output.write(text);
  void rl;
}
