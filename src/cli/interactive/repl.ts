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
  const hits = candidates.filter((c) => c.startsWith(last));
  // A single match is a finished word: add the space, as shells do, so the next word can follow.
  return [hits.length === 1 ? [`${hits[0]} `] : hits, last];
}

export async function runRepl(session: Session, streams: ReplStreams): Promise<void> {
  const tty = Boolean(streams.input.isTTY && streams.output.isTTY);
  const write = (t: string) => {
    streams.output.write(t);
  };
  // What the data lacks comes first, in a scripted session too: verdicts over incomplete data are not safe.
  write(session.incompleteness());
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
  await terminalLoop(session, streams, write);
}

async function terminalLoop(session: Session, streams: ReplStreams, write: (t: string) => void): Promise<void> {
  const history: string[] = [];
  for (;;) {
    const rl: Interface = createInterface({
      input: streams.input, output: streams.output, terminal: true, history: [...history], historySize: 1000,
      completer: (line: string) => complete(session, line),
    });
    const ended = await new Promise<'quit' | 'eof'>((resolve) => {
      let done = false;
      // Commands run one after another even when several lines arrive at once (a paste), and Ctrl-D
      // waits for the commands before it.
      let queue = Promise.resolve();
      const enqueue = (step: () => Promise<void> | void) => {
        queue = queue.then(step).catch((error: unknown) => {
          write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        });
      };
      const finish = (how: 'quit' | 'eof') => {
        if (!done) {
          done = true;
          resolve(how);
        }
      };
      rl.on('close', () => enqueue(() => finish('eof')));
      rl.on('SIGINT', () => {
        write('^C (type quit or press Ctrl-D to leave)\n');
        rl.prompt();
      });
      rl.on('line', (line) => {
        if (line.trim()) history.unshift(line);
        enqueue(async () => {
          if (done) return;
          const r = await session.execute(line);
          page(r.output, streams);
          if (r.quit) {
            finish('quit');
            rl.close();
            return;
          }
          rl.setPrompt(session.prompt());
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
function page(text: string, streams: ReplStreams): void {
  const rows = streams.output.rows ?? 24;
  if (text.split('\n').length < rows - 1) {
    streams.output.write(text);
    return;
  }
  const [cmd, ...args] = (streams.env.PAGER && streams.env.PAGER.trim()) ? streams.env.PAGER.trim().split(/\s+/) : ['less', '-RFX'];
  const r = spawnSync(cmd!, args, { input: text, stdio: ['pipe', 'inherit', 'inherit'] });
  if (r.error || r.status !== 0) streams.output.write(text);
}
