// The cell that Insert adds, by the rule of devgpt_magic.render.insert_cell_text in the kernel: the command
// exactly as shown, under a comment naming its danger, in a %%bash cell that gives it, word for word, to
// `bash -c` with stdin from /dev/null. The kernel also writes a one-line `!command` when its $SHELL is bash;
// the panel does not know the kernel's shell (IPython runs `!` lines with $SHELL, and zsh or fish read the
// same text otherwise than the check does), so it always writes the %%bash cell. IPython feeds a %%bash cell
// to bash on stdin, so without `bash -c` a first command that reads stdin (perl, python3) would run the rest
// of the cell as its own program, which is not what was checked.
import { ICommandStep } from './api';

const BADGE: { [level: string]: string } = { caution: 'CAUTION', dangerous: 'DANGEROUS' };

/** Control, bidi-override and zero-width characters written as escapes, as render.visible does. */
export function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, ch => {
    const code = ch.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function dangerReasons(step: ICommandStep): string {
  const reasons = (step.risk?.reasons ?? []).join('; ').replace(/[ \t\n\r\x0b\x0c]+/g, ' ');
  return reasons.replace(/^ | $/g, '') || `rated ${step.risk?.level ?? 'safe'}`;
}

/** A %%bash cell that runs ``script`` as `bash -c` would, whatever its commands read. The script is read into a
 * variable from a quoted heredoc outside any $(...): inside one, bash also ends a heredoc at a line that only
 * starts with its end word (`END) $(cmd)`). The newline the heredoc adds is taken off (after a final backslash
 * it would continue the line). The end word is one no line of the script is (as Python splits lines too, so
 * that the kernel and the panel agree). */
export function bashCell(script: string): string {
  let end = 'DEVGPT_END';
  const lines = script.split(/\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]/);
  while (lines.includes(end)) {
    end += '_';
  }
  return (
    `%%bash\nIFS= read -r -d '' DEVGPT_SCRIPT <<'${end}'\n${script}\n${end}\n` +
    'DEVGPT_SCRIPT=${DEVGPT_SCRIPT%?}\nbash -c "$DEVGPT_SCRIPT" </dev/null'
  );
}

export function cellText(step: ICommandStep): string {
  const level = step.risk?.level ?? 'safe';
  const lines: string[] = [];
  if (level !== 'safe') {
    lines.push(`# ${BADGE[level]}: ${visible(dangerReasons(step))}`);
  }
  lines.push(step.command);
  return bashCell(lines.join('\n'));
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

/** IPython's default aliases on POSIX (a line `rm -rf ~` in a cell runs rm), and the automagic names that run
 * their line as a shell command (`sx cmd`, `system cmd`). */
const ALIASES = new Set(['cat', 'cp', 'ldir', 'lf', 'lk', 'll', 'ls', 'lx', 'mkdir', 'mv', 'rm', 'rmdir']);
const SHELL_MAGICS = new Set(['sx', 'system', 'sc']);
/** Prompts IPython strips from pasted code (`>>> `, `... `, `In [1]: `, `...: `). */
const PROMPT = /^(?:>>>|\.\.\.)(?: |$)|^In \[\d*\]: |^\s*\.{3,}: /;
/** Line magics that run the rest of their line as code (`%time !cmd`), with their options. */
const LINE_WRAPPERS = /^\s*%(?:time|timeit|prun|capture|debug)\b(?:\s+-\w+(?:\s+(?![-!])\S+)?)*\s+/;
/** Options of %%script that take a value. */
const SCRIPT_VALUE_OPTIONS = new Set(['--proc', '--out', '--err']);

function pythonString(text: string): string | null {
  const m = /^\s*[rRbBuU]?(['"])((?:\\.|(?!\1).)*)\1\s*\)/.exec(text);
  return m ? m[2].replace(/\\(.)/g, '$1') : null;
}

/** The program a `%%script` line names, past its options: `%%script --bg env python3` -> `env python3`. */
function scriptProgram(args: string): string {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const program: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (!program.length && SCRIPT_VALUE_OPTIONS.has(words[i])) {
      i++;
    } else if (!program.length && words[i].startsWith('--')) {
      continue;
    } else {
      program.push(words[i]);
    }
  }
  return program.join(' ');
}

/** What a code cell gives a shell or another program to run, as one command text for the danger check ('' for
 * nothing). IPython's prompts are stripped first, as IPython strips them. A script cell magic's body is what
 * it is, a program read from standard input (`%%bash` is `bash <<'END' ... END`, `%%perl` the same with perl,
 * `%%script [--bg] X` with X: there a line such as `perl` reads the rest of the cell), wrapping magics
 * (`%%capture`, `%%time`, `%time`, `%%timeit`'s setup) are looked through, and `%%writefile [-a] PATH` is a
 * write to PATH. Elsewhere: `!cmd` and `!!cmd` lines (after any assignment, and joined across a trailing
 * backslash), `%sx`/`%system` lines and their automagic forms, IPython's aliases (`rm -rf ~`, `%rm`, and names
 * `%alias` defines), and `get_ipython().system('...')`. With ``python`` the rest is also checked as Python
 * (`python3 -c CODE`: the check reads os.system, shutil.rmtree and the like). */
export function shellParts(code: string, python = false): string {
  const lines = code.split('\n').map(line => line.replace(PROMPT, ''));
  while (lines.length && !lines[0].trim()) {
    lines.shift();
  }
  const magic = /^\s*%%(script\b)?\s*(!|[\w./-]*)(.*)$/.exec(lines[0] ?? '');
  if (magic && /^\s*%%/.test(lines[0])) {
    const name = magic[2].replace(/^.*\//, '');
    const body = lines.slice(1).join('\n');
    if (magic[1]) {
      const program = scriptProgram(`${magic[2]}${magic[3]}`);
      return program ? `${program} ${heredoc(body)}` : '';
    }
    if (LINE_MAGICS.has(name)) {
      return body;
    }
    const program = SCRIPT_MAGICS[name];
    if (program) {
      return `${program} ${heredoc(body)}`;
    }
    if (name === 'writefile' || name === 'file') {
      const words = magic[3].trim().split(/\s+/);
      const append = words.includes('-a') || words.includes('--append');
      const path = words.filter(w => !w.startsWith('-')).pop() ?? '';
      return path ? `cat ${append ? '>>' : '>'} ${shellQuote(path)} ${heredoc(body)}` : '';
    }
    // %%capture, %%time, %%timeit [setup]: the rest of the line and the body are code of their own
    return shellParts(`${magic[3].replace(/^(?:\s+-\w+(?:\s+(?![-!])\S+)?)*/, '')}\n${body}`, python);
  }
  const aliases = new Map<string, string>();
  const parts: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(LINE_WRAPPERS, '');
    const defined = /^\s*%alias\s+(\w+)\s+(.*)$/.exec(line);
    if (defined) {
      aliases.set(defined[1], defined[2].replace(/%[sl]/g, '').trim());
      continue;
    }
    const bang = /^\s*(?:[^\s=!#][^!#]*?=\s*)?(?:!!?|%(?:sx|system|sc)\s)(.*)$/.exec(line);
    if (bang) {
      let command = bang[1];
      while (command.endsWith('\\') && i + 1 < lines.length) {
        command = `${command}\n${lines[++i]}`;
      }
      parts.push(command);
      continue;
    }
    const word = /^\s*%?([\w.-]+)(\s+[^=(\s].*)?$/.exec(line);
    if (word && SHELL_MAGICS.has(word[1]) && word[2]) {
      parts.push(word[2]);
      continue;
    }
    if (word && (ALIASES.has(word[1]) || aliases.has(word[1]))) {
      parts.push(`${aliases.get(word[1]) ?? word[1]}${word[2] ?? ''}`);
      continue;
    }
    for (const call of line.split(/get_ipython\(\)\s*\.\s*(?:system|getoutput|system_raw)\s*\(/).slice(1)) {
      parts.push(pythonString(call) ?? '$DEVGPT_UNKNOWN_COMMAND');
    }
    rest.push(line);
  }
  if (python && rest.some(line => line.trim() && !/^\s*#/.test(line))) {
    parts.push(`python3 -c ${shellQuote(rest.join('\n'))}`);
  }
  return parts.filter(part => part.trim()).join('\n');
}

/** ``code`` with a warning comment, after the first line when that is a cell magic (which must stay first). */
export function withWarning(code: string, warning: string): string {
  const lines = code.split('\n');
  return /^\s*%%/.test(lines[0]) ? [lines[0], warning, ...lines.slice(1)].join('\n') : `${warning}\n${code}`;
}
