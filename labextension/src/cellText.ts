// The cell that Insert adds, by the same rule as devgpt_magic.render.insert_cell_text in the kernel:
// the command exactly as shown, under a comment naming its danger. One `!command` line when that is
// verbatim (a single line without $, { or }, which IPython's `!` would expand from Python, not ending in a
// backslash, and not ending in ?, which IPython reads as a help request). Anything else becomes a %%bash cell
// that gives the commands, word for word in a quoted heredoc, to `bash -c` with stdin from /dev/null: IPython
// feeds a %%bash cell to bash on stdin, so a first command that reads stdin (perl, python3) would otherwise
// run the rest of the cell as its own program, which is not what was checked.
import { ICommandStep } from './api';

const BADGE: { [level: string]: string } = { caution: 'CAUTION', dangerous: 'DANGEROUS' };

function bangSafe(command: string): boolean {
  return (
    command.trim().length > 0 &&
    // one line as Python sees lines: IPython also splits at these, a shell does not
    !/[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]/.test(command) &&
    !/[${}]/.test(command) &&
    !command.trimEnd().endsWith('\\') &&
    !command.trimEnd().endsWith('?') &&
    !command.trimStart().startsWith('!')
  );
}

/** Control, bidi-override and zero-width characters written as escapes, as render.visible does. */
export function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, ch => {
    const code = ch.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function dangerReasons(step: ICommandStep): string {
  return (step.risk?.reasons ?? []).join('; ').split(/\s+/).join(' ').trim() || `rated ${step.risk?.level ?? 'safe'}`;
}

/** A %%bash cell that runs ``script`` as `bash -c` would, whatever its commands read. The script is read into a
 * variable from a quoted heredoc outside any $(...): inside one, bash also ends a heredoc at a line that only
 * starts with its end word (`END) $(cmd)`). The end word is one no line of the script is (as Python splits
 * lines too, so that the kernel and the panel agree). */
export function bashCell(script: string): string {
  let end = 'DEVGPT_END';
  const lines = script.split(/\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]/);
  while (lines.includes(end)) {
    end += '_';
  }
  return `%%bash\nIFS= read -r -d '' DEVGPT_SCRIPT <<'${end}'\n${script}\n${end}\nbash -c "$DEVGPT_SCRIPT" </dev/null`;
}

export function cellText(step: ICommandStep): string {
  const level = step.risk?.level ?? 'safe';
  const asBang = bangSafe(step.command);
  const lines: string[] = [];
  if (level !== 'safe') {
    lines.push(`# ${BADGE[level]}: ${visible(dangerReasons(step))}`);
  }
  lines.push(asBang ? `!${step.command.trim()}` : step.command);
  return asBang ? lines.join('\n') : bashCell(lines.join('\n'));
}

/** IPython cell magics that feed their body to a program on its standard input, by the program they run. */
const SCRIPT_MAGICS: { [magic: string]: string } = {
  bash: 'bash', sh: 'sh', zsh: 'zsh', perl: 'perl', ruby: 'ruby', python: 'python3', python3: 'python3',
  python2: 'python2', pypy: 'pypy'
};
/** Cell magics that run each line of their body as a shell command. */
const LINE_MAGICS = new Set(['system', 'sx', '!']);

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** ``text`` as a quoted heredoc whose end word is no line of it. */
function heredoc(text: string): string {
  let end = 'DEVGPT_CELL';
  while (text.split('\n').includes(end)) {
    end += '_';
  }
  return `<<'${end}'\n${text}\n${end}`;
}

/** IPython's default aliases on POSIX: a line `rm -rf ~` in a cell runs rm. */
const ALIASES = new Set(['cat', 'cp', 'ldir', 'lf', 'lk', 'll', 'ls', 'lx', 'mkdir', 'mv', 'rm', 'rmdir']);
/** Prompts IPython strips from pasted code (`>>> `, `... `, `In [1]: `, `   ...: `). */
const PROMPT = /^(?:>>>|\.\.\.)(?: |$)|^In \[\d*\]: |^\s+\.\.\.: /;

function pythonString(text: string): string | null {
  const m = /^\s*[rRbBuU]?(['"])((?:\\.|(?!\1).)*)\1\s*\)/.exec(text);
  return m ? m[2].replace(/\\(.)/g, '$1') : null;
}

/** What a code cell gives a shell or another program to run, as one command text for the danger check ('' for
 * nothing). IPython's prompts are stripped first, as IPython strips them. A script cell magic's body is what
 * it is, a program read from standard input (`%%bash` is `bash <<'END' ... END`, `%%perl` the same with perl,
 * `%%script X` with X: there a line such as `perl` reads the rest of the cell), wrapping magics (`%%capture`,
 * `%%time`) are looked through, and `%%writefile [-a] PATH` is a write to PATH. Elsewhere: `!cmd` and `!!cmd`
 * lines (after any assignment, and joined across a trailing backslash), `%sx`/`%system` lines, IPython's
 * aliases (`rm -rf ~`, `%rm`, and names `%alias` defines), and `get_ipython().system('...')`. */
export function shellParts(code: string): string {
  const lines = code.split('\n').map(line => line.replace(PROMPT, ''));
  while (lines.length && !lines[0].trim()) {
    lines.shift();
  }
  const magic = /^\s*%%(script\s+)?(!|[\w./-]+)(.*)$/.exec(lines[0] ?? '');
  if (magic) {
    const name = magic[2].replace(/^.*\//, '');
    const body = lines.slice(1).join('\n');
    if (LINE_MAGICS.has(name) && !magic[1]) {
      return body;
    }
    const program = SCRIPT_MAGICS[name] ?? (magic[1] ? magic[2] : undefined);
    if (program) {
      return `${program} ${heredoc(body)}`;
    }
    if (name === 'writefile' || name === 'file') {
      const words = magic[3].trim().split(/\s+/);
      const append = words.includes('-a') || words.includes('--append');
      const path = words.filter(w => !w.startsWith('-')).pop() ?? '';
      return path ? `cat ${append ? '>>' : '>'} ${shellQuote(path)} ${heredoc(body)}` : '';
    }
    return shellParts(body); // %%capture, %%time, ...: the rest is a cell of its own
  }
  const aliases = new Map<string, string>();
  const parts: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const defined = /^\s*%alias\s+(\w+)\s+(.*)$/.exec(line);
    if (defined) {
      aliases.set(defined[1], defined[2].replace(/%[sl]/g, '').trim());
      continue;
    }
    const bang = /^\s*(?:[^\s=!#][^=!#]*?=\s*)?(?:!!?|%sx\s|%system\s)(.*)$/.exec(line);
    if (bang) {
      let command = bang[1];
      while (command.endsWith('\\') && i + 1 < lines.length) {
        command = `${command}\n${lines[++i]}`;
      }
      parts.push(command);
      continue;
    }
    const alias = /^\s*%?([\w.-]+)(\s+[^=(\s].*)?$/.exec(line);
    if (alias && (ALIASES.has(alias[1]) || aliases.has(alias[1]))) {
      parts.push(`${aliases.get(alias[1]) ?? alias[1]}${alias[2] ?? ''}`);
      continue;
    }
    for (const call of line.split(/get_ipython\(\)\s*\.\s*(?:system|getoutput|system_raw)\s*\(/).slice(1)) {
      const literal = pythonString(call);
      parts.push(literal ?? '$DEVGPT_UNKNOWN_COMMAND');
    }
  }
  return parts.filter(part => part.trim()).join('\n');
}

/** ``code`` with a warning comment, after the first line when that is a cell magic (which must stay first). */
export function withWarning(code: string, warning: string): string {
  const lines = code.split('\n');
  return /^\s*%%/.test(lines[0]) ? [lines[0], warning, ...lines.slice(1)].join('\n') : `${warning}\n${code}`;
}
