// The side panel: Command / Chat / Explain modes, a model picker, a transcript of cards and Markdown replies.
import { Clipboard } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import {
  assess,
  chat,
  checkModel,
  clearChat,
  DecidedCommand,
  explain,
  ICommandStep,
  IModelInfo,
  IRisk,
  ISuggestion,
  IUsage,
  listModels,
  preview,
  pullModel,
  suggest
} from './api';
import { cellText, visible } from './cellText';
import { addCodeButtons, confirmDangerousInsert, copyText, insertCell } from './codeBlocks';

const LEVELS = ['safe', 'caution', 'dangerous'];
/** A risk level's rank, for the worse of two. */
function rank(level: string): number {
  return LEVELS.indexOf(level);
}

type Mode = 'command' | 'chat' | 'explain';

const MODES: Mode[] = ['command', 'chat', 'explain'];
const MODE_LABELS: { [key in Mode]: string } = { command: 'Command', chat: 'Chat', explain: 'Explain' };
const PLACEHOLDERS: { [key in Mode]: string } = {
  command: 'Describe a task…',
  chat: 'Ask anything…',
  explain: 'Paste a command to explain…'
};
const OTHER = '__other__';
/** distance from the bottom (px) within which the transcript follows new text */
const FOLLOW_PX = 48;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text) {
    node.textContent = text;
  }
  return node;
}

function footer(usage: IUsage | null): string {
  if (!usage) {
    return '';
  }
  const cost = usage.cost_usd === null ? 'local' : `$${usage.cost_usd.toFixed(5)}`;
  const approx = usage.estimated ? '~' : '';
  return `${usage.model} · ${approx}${usage.prompt_tokens} in / ${approx}${usage.completion_tokens} out · ${cost} · ${usage.latency_s.toFixed(2)} s${usage.cached ? ' · cached' : ''}`;
}

function humanSize(size: number | null | undefined): string {
  if (!size) {
    return '';
  }
  for (const [unit, scale] of [['GB', 1e9], ['MB', 1e6], ['kB', 1e3]] as [string, number][]) {
    if (size >= scale) {
      return `${(size / scale).toFixed(1)} ${unit}`;
    }
  }
  return `${size} bytes`;
}

/** What the picker shows for a model: short, so a narrow panel still shows the name. */
export function modelLabel(m: IModelInfo, isDefault: boolean): string {
  let label = m.name;
  if (m.name.startsWith('gguf:') || m.name === 'local') {
    label = `local: ${m.file ?? m.name.slice(5)}`;
  } else if (m.local_default && m.file) {
    label = `${m.name} · local: ${m.file}`;
  }
  if (m.local && m.available === false) {
    label += m.pullable ? ` · not downloaded${m.size ? ` (${humanSize(m.size)})` : ''}` : ' · file not found';
  } else if (!m.local && !m.key_present) {
    label += ` · needs ${m.key_env[0] ?? 'a key'}`;
  }
  return isDefault ? `${label} (default)` : label;
}

function uniqueSteps(steps: ICommandStep[]): ICommandStep[] {
  const seen = new Set<string>();
  return steps.filter(step => {
    const key = step.command.trim();
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

export class DevGPTPanel extends Widget {
  private mode: Mode = 'command';
  private conversationId: string | null = null;
  private models: IModelInfo[] = [];
  private controller: AbortController | null = null;
  private decided: HTMLElement | null = null;
  private follow = true;
  private readonly transcript = el('div', 'jp-DevGPT-transcript');
  private readonly input = el('textarea', 'jp-DevGPT-input');
  private readonly modelPicker = el('select', 'jp-DevGPT-model');
  private readonly modelNote = el('div', 'jp-DevGPT-modelNote');
  private readonly pullButton = el('button', 'jp-DevGPT-pull jp-mod-styled', 'Pull');
  private readonly pullProgress = el('div', 'jp-DevGPT-pullProgress');
  private readonly pullBar = el('progress', 'jp-DevGPT-pullBar');
  private readonly customRow = el('div', 'jp-DevGPT-customModel');
  private readonly customInput = el('input', 'jp-DevGPT-customInput');
  private readonly fast = el('input', 'jp-DevGPT-fast');
  private readonly fastLabel = el('label', 'jp-DevGPT-fastLabel');
  private readonly sendButton = el('button', 'jp-DevGPT-send jp-mod-styled jp-mod-accept', 'Send');
  private readonly stopButton = el('button', 'jp-DevGPT-stop jp-mod-styled jp-mod-warn', 'Stop');
  private readonly busy = el('div', 'jp-DevGPT-busy');
  private readonly busyText = el('span', 'jp-DevGPT-busyText', 'Thinking…');
  private readonly modeButtons: { [key in Mode]: HTMLButtonElement };

  constructor(
    private readonly notebooks: INotebookTracker,
    private readonly rendermime: IRenderMimeRegistry
  ) {
    super();
    this.id = 'devgpt-panel';
    this.addClass('jp-DevGPT');
    this.title.caption = 'DevGPT';

    const bar = el('div', 'jp-DevGPT-bar');
    const modes = el('div', 'jp-DevGPT-modes');
    modes.setAttribute('role', 'tablist');
    this.modeButtons = {} as { [key in Mode]: HTMLButtonElement };
    for (const mode of MODES) {
      const button = el('button', 'jp-DevGPT-mode', MODE_LABELS[mode]);
      button.setAttribute('role', 'tab');
      button.dataset.mode = mode;
      button.onclick = () => this.setMode(mode);
      this.modeButtons[mode] = button;
      modes.appendChild(button);
    }
    const clear = el('button', 'jp-DevGPT-clear jp-mod-styled', 'Clear');
    clear.title = 'Empty the transcript and start a new conversation';
    clear.onclick = () => void this.clear();
    bar.append(modes, clear);

    const modelBar = el('div', 'jp-DevGPT-modelBar');
    this.modelPicker.setAttribute('aria-label', 'Model');
    this.modelPicker.onchange = () => this.modelChanged();
    this.fast.type = 'checkbox';
    this.fast.title = 'Fast: commands only, no explanations';
    this.fastLabel.append(this.fast, document.createTextNode('fast'));
    this.fastLabel.title = this.fast.title;
    modelBar.append(this.modelPicker, this.fastLabel);
    this.customInput.placeholder = 'gguf:/path/model.gguf';
    this.customInput.setAttribute('aria-label', 'Model name or gguf: path');
    const use = el('button', 'jp-DevGPT-useModel jp-mod-styled', 'Use');
    use.onclick = () => void this.useCustomModel();
    this.customInput.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        event.preventDefault();
        void this.useCustomModel();
      }
    });
    this.customRow.append(this.customInput, use);
    this.customRow.hidden = true;
    this.pullButton.hidden = true;
    this.pullButton.onclick = () => void this.pull();
    const pullRow = el('div', 'jp-DevGPT-pullRow');
    this.pullBar.hidden = true;
    pullRow.append(this.pullButton, this.pullBar, this.pullProgress);
    const header = el('div', 'jp-DevGPT-header');
    header.append(bar, modelBar, this.customRow, this.modelNote, pullRow);

    this.input.rows = 3;
    this.input.setAttribute('aria-label', 'Request');
    this.input.title = 'Enter sends, Shift+Enter adds a line';
    this.input.addEventListener('keydown', event => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        void this.send();
      }
    });
    this.sendButton.onclick = () => void this.send();
    this.stopButton.onclick = () => this.stop();
    this.stopButton.title = 'Stop the reply (the model stops generating)';
    this.busy.append(this.busyText, this.stopButton);
    const composer = el('div', 'jp-DevGPT-composer');
    composer.append(this.input, this.sendButton);
    this.busy.hidden = true;
    this.transcript.addEventListener('scroll', () => {
      const t = this.transcript;
      this.follow = t.scrollHeight - t.scrollTop - t.clientHeight < FOLLOW_PX;
    });
    this.node.append(header, this.transcript, this.busy, composer);
    this.setMode('command');
    void this.loadModels();
  }

  /** Ctrl/Cmd+Shift+Y and the palette command put the cursor in the input. */
  focusInput(): void {
    this.input.focus();
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this.focusInput();
  }

  /** After its first layout at JupyterLab's usual width, the sidebar may be dragged narrower (see the CSS):
   * the new floor is read by the layouts on a fit request, which leaves the current width as it is. */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (!this.hasClass('jp-DevGPT-narrow')) {
      setTimeout(() => {
        this.addClass('jp-DevGPT-narrow');
        this.parent?.fit();
      }, 300);
    }
  }

  setMode(mode: Mode): void {
    this.mode = mode;
    for (const key of MODES) {
      this.modeButtons[key].classList.toggle('jp-mod-active', key === mode);
      this.modeButtons[key].setAttribute('aria-selected', String(key === mode));
    }
    this.fastLabel.hidden = mode !== 'command'; // fast applies to command suggestions only
    this.input.placeholder = PLACEHOLDERS[mode];
    this.input.focus();
  }

  // --- models -------------------------------------------------------------------------------------------------
  private async loadModels(select?: string): Promise<void> {
    try {
      const data = await listModels();
      this.models = data.models;
      const keep = select ?? (this.modelPicker.value && this.modelPicker.value !== OTHER ? this.modelPicker.value : data.default);
      this.modelPicker.replaceChildren();
      for (const m of data.models) {
        this.addModelOption(m, m.name === data.default);
      }
      const other = el('option', '', 'Other model (gguf: path)…');
      other.value = OTHER;
      this.modelPicker.appendChild(other);
      this.modelPicker.value = data.models.some(m => m.name === keep) ? keep : data.default;
      this.modelChanged();
    } catch (error) {
      this.showError(`Could not list models: ${(error as Error).message}`);
    }
  }

  private addModelOption(m: IModelInfo, isDefault: boolean): HTMLOptionElement {
    const option = el('option', '', modelLabel(m, isDefault));
    option.value = m.name;
    option.title = [m.name, m.description ?? ''].filter(Boolean).join(': ');
    const other = Array.from(this.modelPicker.options).find(o => o.value === OTHER);
    this.modelPicker.insertBefore(option, other ?? null);
    return option;
  }

  private selectedModel(): IModelInfo | undefined {
    return this.models.find(m => m.name === this.modelPicker.value);
  }

  private modelChanged(): void {
    const value = this.modelPicker.value;
    this.customRow.hidden = value !== OTHER;
    this.modelPicker.title = this.modelPicker.selectedOptions[0]?.textContent ?? '';
    const m = this.selectedModel();
    this.modelNote.textContent = '';
    this.modelNote.classList.remove('jp-DevGPT-modelError');
    this.pullButton.hidden = true;
    if (value === OTHER) {
      this.modelNote.textContent = 'Type a model name or a gguf: path; the server decides whether the panel may use it.';
      this.customInput.focus();
      return;
    }
    if (!m) {
      return;
    }
    if (m.local && m.available === false) {
      if (m.pullable) {
        this.pullButton.hidden = false;
        this.pullButton.textContent = `Pull${m.size ? ` (${humanSize(m.size)})` : ''}`;
        this.pullButton.title = `Download ${m.name} into the models folder`;
        this.modelNote.textContent = 'Not downloaded yet: Pull fetches it into the models folder.';
      } else {
        this.modelNote.textContent = 'Its file is not on disk.';
      }
    } else if (m.selectable === false && m.reason) {
      this.modelNote.textContent = `Cannot be used now: ${m.reason}.`;
    }
  }

  private async useCustomModel(): Promise<void> {
    const typed = this.customInput.value.trim();
    if (!typed) {
      return;
    }
    try {
      const info = await checkModel(typed);
      let option = Array.from(this.modelPicker.options).find(o => o.value === typed);
      if (!option) {
        const m: IModelInfo = {
          name: typed,
          provider: info.provider ?? 'local',
          local: info.local,
          key_present: true,
          key_env: [],
          default: false,
          available: true,
          selectable: true,
          file: info.file
        };
        this.models.push(m);
        option = this.addModelOption(m, false);
      }
      this.modelPicker.value = typed;
      this.modelChanged();
    } catch (error) {
      this.modelNote.textContent = (error as Error).message;
      this.modelNote.classList.add('jp-DevGPT-modelError');
    }
  }

  private async pull(): Promise<void> {
    const m = this.selectedModel();
    if (!m) {
      return;
    }
    this.pullButton.disabled = true;
    this.pullProgress.textContent = `Starting the download of ${m.name}…`;
    try {
      let failed = '';
      await pullModel(m.name, event => {
        if (event.type === 'start') {
          this.pullProgress.textContent = `Pulling ${event.model} (${event.size_text})…`;
        } else if (event.type === 'progress') {
          this.pullProgress.textContent = event.line;
          if (event.total) {
            this.pullBar.hidden = false;
            this.pullBar.max = event.total;
            this.pullBar.value = event.done ?? 0;
          }
        } else if (event.type === 'done') {
          this.pullProgress.textContent = `${event.model} is ready (${event.file}).`;
        } else {
          failed = event.error;
        }
      });
      if (failed) {
        throw new Error(failed);
      }
      await this.loadModels(m.name);
    } catch (error) {
      this.pullProgress.textContent = `Pull failed: ${(error as Error).message}`;
    } finally {
      this.pullButton.disabled = false;
      this.pullBar.hidden = true;
    }
  }

  // --- sending ------------------------------------------------------------------------------------------------
  private async send(): Promise<void> {
    const text = this.input.value.trim();
    if (!text || this.controller) {
      return;
    }
    const model = this.modelPicker.value;
    if (model === OTHER) {
      this.showError('Type a model in the field under the picker and press Use, or choose one from the list.');
      return;
    }
    this.input.value = '';
    this.transcript.appendChild(el('div', 'jp-DevGPT-user', text));
    this.scrollToEnd(true);
    const controller = new AbortController();
    this.setBusy(controller);
    const mode = this.mode;
    let failed = false;
    try {
      if (mode === 'command') {
        const speed = this.fast.checked ? 'fast' : 'regular';
        const s = await suggest(text, model, speed, commands => this.showDecided(commands), controller.signal);
        this.clearDecided();
        this.showSuggestion(s);
      } else if (mode === 'explain') {
        this.showSuggestion(await explain(text, model, controller.signal));
      } else {
        failed = !(await this.chatTurn(text, model, controller.signal));
      }
    } catch (error) {
      if (controller.signal.aborted) {
        if (mode !== 'chat') {
          this.transcript.appendChild(el('div', 'jp-DevGPT-note', 'Stopped.')); // a chat reply says it itself
        }
      } else {
        this.showError((error as Error).message);
        failed = true;
      }
    } finally {
      this.clearDecided();
      this.setBusy(null);
    }
    if (failed && !this.input.value) {
      this.input.value = text; // the user's text is still there to fix and send again
    }
    this.scrollToEnd();
  }

  private stop(): void {
    this.controller?.abort();
  }

  private setBusy(controller: AbortController | null): void {
    this.controller = controller;
    const on = controller !== null;
    this.busy.hidden = !on;
    this.sendButton.disabled = on;
    this.busyText.textContent = this.mode === 'chat' ? 'Answering…' : 'Thinking…';
    this.node.setAttribute('aria-busy', String(on));
  }

  /** Follow the newest text unless the user scrolled up to read (``force``: always, e.g. on sending). */
  private scrollToEnd(force = false): void {
    if (force || this.follow) {
      this.transcript.scrollTop = this.transcript.scrollHeight;
      this.follow = true;
    }
  }

  /** True when the reply ended normally. */
  private async chatTurn(text: string, model: string, signal: AbortSignal): Promise<boolean> {
    const reply = el('div', 'jp-DevGPT-reply');
    const body = el('div', 'jp-DevGPT-markdown');
    const meta = el('div', 'jp-DevGPT-footer');
    reply.append(body, meta);
    this.transcript.appendChild(reply);
    this.scrollToEnd(true);
    let sofar = '';
    let ok = true;
    let pending: Promise<void> = Promise.resolve();
    const render = (html: string) => {
      pending = pending.then(async () => {
        // A model's reply is untrusted. The server renders its Markdown as the notebook does (raw HTML shown
        // as text, images as links, so nothing loads from an address the reply chose), and the untrusted
        // model makes JupyterLab sanitize that HTML once more.
        const follow = this.follow;
        const renderer = this.rendermime.createRenderer('text/html');
        const model = this.rendermime.createModel({ data: { 'text/html': html }, trusted: false });
        await renderer.renderModel(model);
        body.replaceChildren(renderer.node);
        addCodeButtons(body, () => ({ panel: this.notebooks.currentWidget }), () => this.notebookPath());
        this.follow = follow;
        this.scrollToEnd();
      });
      return pending;
    };
    try {
      await chat(
        text,
        model,
        this.conversationId,
        event => {
          if (event.type === 'delta') {
            sofar += event.text;
            body.textContent = sofar; // plain while streaming, Markdown once complete
            this.scrollToEnd();
          } else if (event.type === 'done') {
            this.conversationId = event.conversation_id;
            meta.textContent = footer(event.usage);
            if (event.truncated) {
              reply.appendChild(
                el('div', 'jp-DevGPT-truncated', 'Cut off at the token limit: the reply is incomplete. Ask for the rest, or for a shorter answer.')
              );
            }
            void render(event.html);
          } else {
            ok = false;
            this.showError(event.error);
          }
        },
        signal
      );
    } catch (error) {
      if (signal.aborted) {
        // the part that arrived stays as plain text: it is not kept, and half a reply is not worth rendering
        reply.appendChild(el('div', 'jp-DevGPT-truncated', 'Stopped: this reply is incomplete and is not kept in the conversation.'));
        await pending;
        throw error;
      }
      if (!sofar) {
        reply.remove();
      }
      throw error;
    }
    await pending;
    return ok;
  }

  private notebookPath(): string | null {
    return this.notebooks.currentWidget?.context.path ?? null;
  }

  // --- cards --------------------------------------------------------------------------------------------------
  /** The commands while they are being explained: to read, not to run (the card with its buttons replaces them). */
  private showDecided(commands: DecidedCommand[]): void {
    this.clearDecided();
    const box = el('div', 'jp-DevGPT-decided');
    for (const step of commands) {
      box.appendChild(el('pre', 'jp-DevGPT-command', visible(step.command)));
      const level = step.risk?.level ?? 'safe';
      if (level !== 'safe') {
        // the danger is known now, before the card: never only after the explanation
        const warning = el('div', `jp-DevGPT-reasons jp-DevGPT-risk-${level}`);
        warning.textContent = `${level.toUpperCase()}: ${(step.risk?.reasons ?? []).join('; ')}`;
        box.appendChild(warning);
      }
    }
    box.appendChild(el('div', 'jp-DevGPT-note', 'Explaining each part…'));
    this.decided = box;
    this.transcript.appendChild(box);
    this.busyText.textContent = 'Explaining…';
    this.scrollToEnd();
  }

  private clearDecided(): void {
    this.decided?.remove();
    this.decided = null;
  }

  private showSuggestion(s: ISuggestion): void {
    if (s.invalid_reason) {
      this.transcript.appendChild(el('div', 'jp-DevGPT-invalid', `Not a terminal task: ${s.invalid_reason}`));
    }
    const steps = uniqueSteps(s.commands);
    for (const step of steps) {
      this.transcript.appendChild(this.card(step));
    }
    const shown = new Set(steps.map(step => step.command.trim()));
    const others = uniqueSteps(s.alternatives ?? []).filter(a => !shown.has(a.command.trim()));
    if (others.length) {
      const box = el('div', 'jp-DevGPT-alternatives');
      box.appendChild(el('div', 'jp-DevGPT-alternativesTitle', 'Other ways (they behaved differently in a sandbox)'));
      for (const step of others) {
        box.appendChild(this.card(step, true));
      }
      this.transcript.appendChild(box);
    }
    if (s.notice) {
      this.transcript.appendChild(el('div', 'jp-DevGPT-notice', s.notice));
    }
    this.transcript.appendChild(el('div', 'jp-DevGPT-footer', footer(s.usage)));
    this.scrollToEnd();
  }

  private card(original: ICommandStep, small = false): HTMLElement {
    let step: ICommandStep = { ...original };
    const card = el('div', 'jp-DevGPT-card');
    if (small) {
      card.classList.add('jp-DevGPT-card-small');
    }
    card.appendChild(el('pre', 'jp-DevGPT-command', visible(step.command)));
    const warning = el('div', 'jp-DevGPT-reasons');
    card.appendChild(warning);
    for (const line of step.explanations) {
      card.appendChild(el('div', 'jp-DevGPT-explanation', line));
    }
    const args = Object.entries(step.arguments);
    if (args.length) {
      const table = el('table', 'jp-DevGPT-args');
      const head = el('thead');
      const headRow = el('tr');
      headRow.append(el('th', '', 'argument'), el('th', '', 'meaning'));
      head.appendChild(headRow);
      const rows = el('tbody');
      for (const [arg, meaning] of args) {
        const row = el('tr');
        const name = el('td');
        name.appendChild(el('code', '', arg));
        const what = el('td', '', meaning);
        const note = step.argument_notes?.[arg];
        if (note) {
          what.appendChild(el('div', 'jp-DevGPT-argNote', `⚠ ${note}`));
        }
        row.append(name, what);
        rows.appendChild(row);
      }
      table.append(head, rows);
      card.appendChild(table);
    }
    const badge = el('span', 'jp-DevGPT-badge');
    const showRisk = (risk: IRisk | null) => {
      const level = risk?.level ?? 'safe';
      card.classList.remove('jp-DevGPT-risk-safe', 'jp-DevGPT-risk-caution', 'jp-DevGPT-risk-dangerous');
      card.classList.add(`jp-DevGPT-risk-${level}`);
      badge.className = `jp-DevGPT-badge jp-DevGPT-badge-${level}`;
      badge.textContent = level;
      warning.textContent = level === 'safe' ? '' : `${level.toUpperCase()}: ${(risk?.reasons ?? []).join('; ')}`;
      warning.hidden = level === 'safe';
    };
    showRisk(step.risk);
    const feedback = el('div', 'jp-DevGPT-feedback');
    const previewBox = el('div', 'jp-DevGPT-preview');
    previewBox.hidden = true;
    const insert = el('button', 'jp-DevGPT-insert jp-mod-styled', 'Insert');
    insert.title = 'Add the command as a cell below the active cell (not run)';
    insert.onclick = () => void this.insert(step, feedback);
    const copy = el('button', 'jp-DevGPT-copy jp-mod-styled', 'Copy');
    copy.onclick = async () => {
      if (await copyText(step.command)) {
        feedback.textContent = 'Copied to the clipboard.';
      } else {
        Clipboard.copyToSystem(step.command);
        feedback.textContent = 'Copied (if the browser allowed the clipboard).';
      }
    };
    const previewButton = el('button', 'jp-DevGPT-previewButton jp-mod-styled', 'Preview');
    previewButton.title = 'Run it in a sandbox over the notebook\'s folder and see what it would change (your files are not touched)';
    previewButton.onclick = async () => {
      previewButton.disabled = true;
      feedback.textContent = 'Previewing in a sandbox…';
      try {
        const answer = await preview(step.command, this.notebookPath());
        if (!answer.preview.available) {
          feedback.textContent = `Preview not available: ${answer.preview.unavailable_reason}`;
          return;
        }
        const renderer = this.rendermime.createRenderer('text/html');
        const model = this.rendermime.createModel({ data: { 'text/html': answer.html }, trusted: false });
        await renderer.renderModel(model);
        previewBox.replaceChildren(renderer.node);
        previewBox.hidden = false;
        step = { ...step, risk: answer.risk }; // Insert now carries what the preview found
        showRisk(answer.risk);
        feedback.textContent = answer.preview.headline;
      } catch (error) {
        feedback.textContent = (error as Error).message;
      } finally {
        previewButton.disabled = false;
        this.scrollToEnd();
      }
    };
    const actions = el('div', 'jp-DevGPT-actions');
    actions.append(badge, insert, copy, previewButton);
    card.append(actions, feedback, previewBox);
    return card;
  }

  /** A dangerous command is inserted only after the same explicit acknowledgement as running it needs,
   * and the cell carries a `# DANGEROUS: ...` line above it. The risk is the worse of the card's and the one
   * judged for the notebook's folder. */
  private async insert(step: ICommandStep, feedback: HTMLElement): Promise<void> {
    const panel = this.notebooks.currentWidget;
    if (!panel) {
      feedback.textContent = 'Open a notebook first: the command goes into a new cell below its active cell.';
      return;
    }
    // judged again for the notebook's own folder: the suggestion was judged where the server runs
    const risk = await assess(step.command, panel.context.path);
    // the card's own risk (raised by its preview, with its reasons) unless the notebook's folder makes it worse
    const worse = !step.risk || rank(risk.level) > rank(step.risk.level);
    const here: ICommandStep = { ...step, risk: worse ? risk : step.risk };
    if (here.risk?.level === 'dangerous' && !(await confirmDangerousInsert(here))) {
      feedback.textContent = 'Nothing was inserted.';
      return;
    }
    const at = await insertCell(panel, cellText(here));
    feedback.textContent = `Inserted as cell ${at + 1} of ${panel.title.label} (not run).`;
  }

  private showError(message: string): void {
    this.transcript.appendChild(el('div', 'jp-DevGPT-error', message));
    this.scrollToEnd(true);
  }

  private async clear(): Promise<void> {
    this.transcript.replaceChildren();
    if (this.conversationId) {
      const id = this.conversationId;
      this.conversationId = null;
      try {
        await clearChat(id);
      } catch (error) {
        this.showError((error as Error).message);
      }
    }
  }
}
