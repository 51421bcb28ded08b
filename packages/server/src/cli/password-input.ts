/**
 * A password for a CLI command: the whole of standard input with
 * `--password-stdin` (one trailing newline dropped), or typed twice at a
 * terminal prompt without echo. Never a flag: flags end up in shell history
 * and in `ps`.
 */
import { UsageError } from './command.js';
import { cliIo } from './cli-io.js';

export async function readPasswordStdin(
  stdin: NodeJS.ReadableStream = cliIo().stdin ?? process.stdin,
): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks twice on the terminal (echo off); a usage error when standard input is not a terminal. */
export async function promptPassword(): Promise<string> {
  const stdin = process.stdin;
  if (cliIo().stdin || !stdin.isTTY)
    throw new UsageError('give the password with --password-stdin (stdin is not a terminal)');
  const first = await promptHidden('password: ');
  const second = await promptHidden('password again: ');
  if (first !== second) throw new UsageError('the two passwords differ');
  return first;
}

function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  cliIo().stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let text = '';
    const done = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      cliIo().stderr.write('\n');
    };
    const onData = (input: string) => {
      for (const ch of input) {
        if (ch === '\r' || ch === '\n') {
          done();
          return resolve(text);
        }
        if (ch === '\u0003') {
          done();
          return reject(new UsageError('cancelled'));
        }
        text = ch === '\u007f' || ch === '\b' ? text.slice(0, -1) : text + ch;
      }
    };
    stdin.on('data', onData);
  });
}
