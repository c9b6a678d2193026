// The cell that Insert adds, by the same rule as devgpt_magic.render.insert_cell_text in the kernel:
// the command exactly as shown, under a comment naming its danger. One `!command` line when that is
// verbatim (a single line without $, { or }, which IPython's `!` would expand from Python, and not ending
// in a backslash); anything else becomes a %%bash cell, whose body IPython passes to bash untouched.
import { ICommandStep } from './api';

const BADGE: { [level: string]: string } = { caution: 'CAUTION', dangerous: 'DANGEROUS' };

function bangSafe(command: string): boolean {
  return (
    command.trim().length > 0 &&
    // one line as Python sees lines: IPython also splits at these, a shell does not
    !/[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]/.test(command) &&
    !/[${}]/.test(command) &&
    !command.trimEnd().endsWith('\\') &&
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

export function cellText(step: ICommandStep): string {
  const level = step.risk?.level ?? 'safe';
  const asBang = bangSafe(step.command);
  const lines: string[] = [];
  if (level !== 'safe') {
    lines.push(`# ${BADGE[level]}: ${visible(dangerReasons(step))}`);
  }
  lines.push(asBang ? `!${step.command.trim()}` : step.command);
  return asBang ? lines.join('\n') : `%%bash\n${lines.join('\n')}`;
}
