// Copy / Insert buttons on the code blocks of chat replies: in the side panel, and under `%%devgpt_chat` replies
// in notebooks (their HTML is static and cannot run script, so this extension adds the buttons). A shell code
// block is inserted by the same rule as a command card: its danger is assessed by the server, a caution or
// dangerous block carries a warning line, and a dangerous one goes in only after an explicit "Yes, insert it".
// A Python block is checked the same way for the shell it holds (`!cmd` lines, `%%bash` and other script cells).
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { assess, ICommandStep } from './api';
import { cellText, dangerReasons, shellParts, visible, withWarning } from './cellText';

const SHELL = new Set(['', 'bash', 'sh', 'shell', 'zsh', 'console', 'shell-session', 'terminal', 'shellscript']);
/** Blocks whose code is also read as Python (a notebook cell runs it as Python). */
const PYTHON = new Set(['python', 'py', 'python3', 'ipython', 'ipython3', 'jupyter', 'pycon', 'text', 'plain']);
export function languageOf(pre: HTMLElement): string {
  const code = pre.querySelector('code');
  const match = /(?:^|\s)language-([\w+-]+)/.exec(code?.className ?? '');
  return match ? match[1].toLowerCase() : '';
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** The cell for a code block: shell code as a command (warning line, dangerous only after "Yes"); any other
 * block as written, with a warning line for the shell it would run in a notebook cell (`!` lines, `%%bash`...),
 * dangerous only after "Yes". Null when the user declined. */
export async function cellForCode(code: string, language: string, notebookPath: string | null): Promise<string | null> {
  if (!SHELL.has(language)) {
    const page = /^\s*%%(javascript|js|html|svg)\b/m.exec(code);
    if (page) {
      // the cell's output is trusted once the user runs it: script in it runs in this page
      return withWarning(code, `# CAUTION: a %%${page[1]} cell runs its script in this JupyterLab page when run`);
    }
    const shell = shellParts(code, PYTHON.has(language));
    if (!shell) {
      return code;
    }
    const risk = await assess(shell, notebookPath);
    const step: ICommandStep = { command: shell, explanations: [], arguments: {}, risk };
    if (risk.level === 'dangerous' && !(await confirmDangerousInsert(step))) {
      return null;
    }
    const warning = `# ${risk.level.toUpperCase()}: ${visible(dangerReasons(step))}`;
    return risk.level === 'safe' ? code : withWarning(code, warning);
  }
  const risk = await assess(code, notebookPath);
  const step: ICommandStep = { command: code, explanations: [], arguments: {}, risk };
  if (risk.level === 'dangerous' && !(await confirmDangerousInsert(step))) {
    return null;
  }
  return cellText(step);
}

export async function confirmDangerousInsert(step: ICommandStep): Promise<boolean> {
  const reasons = dangerReasons(step);
  const body = document.createElement('div');
  body.className = 'jp-DevGPT-insertDanger';
  const pre = document.createElement('pre');
  pre.className = 'jp-DevGPT-command';
  pre.textContent = visible(step.command);
  const why = document.createElement('div');
  why.className = 'jp-DevGPT-reasons';
  why.textContent = `DANGEROUS: ${reasons}. Inserting does not run it; running it cannot be undone.`;
  body.append(pre, why);
  const answer = await showDialog({
    title: 'Insert a dangerous command?',
    body: new Widget({ node: body }),
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: `Yes, insert it: ${reasons.split(';')[0].slice(0, 60)}` })],
    defaultButton: 0 // Enter cancels: the acknowledgement is a click on its own button
  });
  return answer.button.accept;
}

/** Insert ``text`` as a new cell below ``index`` (or the active cell), select it and scroll it into view. */
export async function insertCell(panel: NotebookPanel, text: string, index?: number): Promise<number> {
  const notebook = panel.content;
  if (index !== undefined && index >= 0) {
    notebook.activeCellIndex = index;
  }
  NotebookActions.insertBelow(notebook);
  notebook.activeCell?.model.sharedModel.setSource(text);
  const inserted = notebook.activeCellIndex;
  try {
    await notebook.scrollToItem(inserted, 'smart');
  } catch {
    notebook.activeCell?.node.scrollIntoView({ block: 'nearest' });
  }
  return inserted;
}

/** Add Copy / Insert buttons after each code block under ``root`` that has none yet. */
export function addCodeButtons(
  root: HTMLElement,
  target: () => { panel: NotebookPanel | null; index?: number },
  notebookPath: () => string | null
): void {
  for (const pre of Array.from(root.querySelectorAll<HTMLElement>('pre'))) {
    if (pre.dataset.devgptTools || !pre.querySelector('code') || pre.closest('.jp-DevGPT-codeTools')) {
      continue;
    }
    pre.dataset.devgptTools = '1';
    const bar = document.createElement('div');
    bar.className = 'jp-DevGPT-codeTools';
    const feedback = document.createElement('span');
    feedback.className = 'jp-DevGPT-feedback';
    const copy = document.createElement('button');
    copy.className = 'jp-DevGPT-codeCopy jp-mod-styled';
    copy.textContent = 'Copy';
    copy.title = 'Copy this code block to the clipboard';
    copy.onclick = async () => {
      const code = pre.querySelector('code')?.textContent ?? '';
      feedback.textContent = (await copyText(code.replace(/\n$/, ''))) ? 'Copied.' : 'The browser refused the clipboard: select the code instead.';
    };
    const insert = document.createElement('button');
    insert.className = 'jp-DevGPT-codeInsert jp-mod-styled';
    insert.textContent = 'Insert';
    insert.title = 'Add this code block as a new cell (not run)';
    insert.onclick = async () => {
      const { panel, index } = target();
      if (!panel) {
        feedback.textContent = 'Open a notebook first: the code goes into a new cell.';
        return;
      }
      const code = (pre.querySelector('code')?.textContent ?? '').replace(/\n$/, '');
      try {
        const text = await cellForCode(code, languageOf(pre), notebookPath());
        if (text === null) {
          feedback.textContent = 'Nothing was inserted.';
          return;
        }
        const at = await insertCell(panel, text, index);
        feedback.textContent = `Inserted as cell ${at + 1} (not run).`;
      } catch (error) {
        feedback.textContent = (error as Error).message;
      }
    };
    bar.append(copy, insert, feedback);
    pre.insertAdjacentElement('afterend', bar);
  }
}

/** Buttons under the code blocks of `%%devgpt_chat` replies in every notebook, as outputs appear. */
export function watchNotebookReplies(notebooks: INotebookTracker): void {
  let scheduled = false;
  const decorate = () => {
    scheduled = false;
    notebooks.forEach(panel => {
      for (const reply of Array.from(panel.node.querySelectorAll<HTMLElement>('.jp-OutputArea .devgpt-markdown'))) {
        const cellNode = reply.closest('.jp-Cell');
        addCodeButtons(
          reply,
          () => ({ panel, index: panel.content.widgets.findIndex(cell => cell.node === cellNode) }),
          () => panel.context.path
        );
      }
    });
  };
  const observer = new MutationObserver(() => {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(decorate);
    }
  });
  observer.observe(document.body, { childList: true, subtree: true });
}
