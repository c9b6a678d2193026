// The side panel: Command / Chat modes, a model picker, a transcript of cards and Markdown replies.
import { Clipboard, Dialog, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { chat, clearChat, ICommandStep, ISuggestion, IUsage, listModels, suggest } from './api';
import { cellText, dangerReasons, visible } from './cellText';

type Mode = 'command' | 'chat';

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

export class DevGPTPanel extends Widget {
  private mode: Mode = 'command';
  private conversationId: string | null = null;
  private readonly transcript = el('div', 'jp-DevGPT-transcript');
  private readonly input = el('textarea', 'jp-DevGPT-input');
  private readonly modelPicker = el('select', 'jp-DevGPT-model');
  private readonly fast = el('input', 'jp-DevGPT-fast');
  private readonly sendButton = el('button', 'jp-DevGPT-send jp-mod-styled jp-mod-accept', 'Send');
  private readonly busy = el('div', 'jp-DevGPT-busy', 'Thinking…');
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
    this.modeButtons = {
      command: el('button', 'jp-DevGPT-mode', 'Command'),
      chat: el('button', 'jp-DevGPT-mode', 'Chat')
    };
    for (const mode of ['command', 'chat'] as Mode[]) {
      const button = this.modeButtons[mode];
      button.setAttribute('role', 'tab');
      button.dataset.mode = mode;
      button.onclick = () => this.setMode(mode);
      modes.appendChild(button);
    }
    this.modelPicker.setAttribute('aria-label', 'Model');
    const clear = el('button', 'jp-DevGPT-clear jp-mod-styled', 'Clear');
    clear.onclick = () => void this.clear();
    this.fast.type = 'checkbox';
    this.fast.title = 'Fast: commands only, no explanations';
    const fastLabel = el('label', 'jp-DevGPT-fastLabel');
    fastLabel.append(this.fast, document.createTextNode('fast'));
    bar.append(modes, this.modelPicker, fastLabel, clear);

    this.input.rows = 3;
    this.input.setAttribute('aria-label', 'Request');
    this.input.addEventListener('keydown', event => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        void this.send();
      }
    });
    this.sendButton.onclick = () => void this.send();
    const composer = el('div', 'jp-DevGPT-composer');
    composer.append(this.input, this.sendButton);
    this.busy.hidden = true;
    this.node.append(bar, this.transcript, this.busy, composer);
    this.setMode('command');
    void this.loadModels();
  }

  setMode(mode: Mode): void {
    this.mode = mode;
    for (const key of ['command', 'chat'] as Mode[]) {
      this.modeButtons[key].classList.toggle('jp-mod-active', key === mode);
      this.modeButtons[key].setAttribute('aria-selected', String(key === mode));
    }
    this.input.placeholder =
      mode === 'command'
        ? 'Describe a task, e.g. find log files over 100MB (Enter sends, Shift+Enter new line)'
        : 'Ask anything (Enter sends, Shift+Enter new line)';
    this.input.focus();
  }

  private async loadModels(): Promise<void> {
    try {
      const { models } = await listModels();
      this.modelPicker.replaceChildren();
      for (const m of models) {
        const option = el('option', '', `${m.name}${m.local ? ' (local)' : m.key_present ? '' : ' (no key)'}`);
        option.value = m.name;
        option.selected = m.default;
        this.modelPicker.appendChild(option);
      }
    } catch (error) {
      this.showError(`Could not list models: ${(error as Error).message}`);
    }
  }

  private async send(): Promise<void> {
    const text = this.input.value.trim();
    if (!text || !this.busy.hidden) {
      return;
    }
    this.input.value = '';
    this.transcript.appendChild(el('div', 'jp-DevGPT-user', text));
    this.setBusy(true);
    try {
      if (this.mode === 'command') {
        const mode = this.fast.checked ? 'fast' : 'regular';
        this.showSuggestion(await suggest(text, this.modelPicker.value, mode));
      } else {
        await this.chatTurn(text);
      }
    } catch (error) {
      this.showError((error as Error).message);
    } finally {
      this.setBusy(false);
    }
  }

  private setBusy(on: boolean): void {
    this.busy.hidden = !on;
    this.sendButton.disabled = on;
    this.node.setAttribute('aria-busy', String(on));
  }

  private async chatTurn(text: string): Promise<void> {
    const reply = el('div', 'jp-DevGPT-reply');
    const body = el('div', 'jp-DevGPT-markdown');
    const meta = el('div', 'jp-DevGPT-footer');
    reply.append(body, meta);
    this.transcript.appendChild(reply);
    let sofar = '';
    let pending: Promise<void> = Promise.resolve();
    const render = (markdown: string) => {
      pending = pending.then(async () => {
        // A model's reply is untrusted: an untrusted model makes the renderer sanitize the HTML that the
        // Markdown produces (no <script>, no event handlers such as onerror), while Markdown still renders.
        const renderer = this.rendermime.createRenderer('text/markdown');
        const model = this.rendermime.createModel({ data: { 'text/markdown': markdown }, trusted: false });
        await renderer.renderModel(model);
        body.replaceChildren(renderer.node);
        this.transcript.scrollTop = this.transcript.scrollHeight;
      });
      return pending;
    };
    await chat(text, this.modelPicker.value, this.conversationId, event => {
      if (event.type === 'delta') {
        sofar += event.text;
        body.textContent = sofar; // plain while streaming, Markdown once complete
      } else if (event.type === 'done') {
        this.conversationId = event.conversation_id;
        meta.textContent = footer(event.usage);
        void render(event.text);
      } else {
        this.showError(event.error);
      }
    });
    await pending;
  }

  private showSuggestion(s: ISuggestion): void {
    if (s.invalid_reason) {
      this.transcript.appendChild(el('div', 'jp-DevGPT-invalid', `Not a terminal task: ${s.invalid_reason}`));
    }
    for (const step of s.commands) {
      this.transcript.appendChild(this.card(step));
    }
    this.transcript.appendChild(el('div', 'jp-DevGPT-footer', footer(s.usage)));
    this.transcript.scrollTop = this.transcript.scrollHeight;
  }

  private card(step: ICommandStep): HTMLElement {
    const level = step.risk?.level ?? 'safe';
    const card = el('div', `jp-DevGPT-card jp-DevGPT-risk-${level}`);
    card.appendChild(el('pre', 'jp-DevGPT-command', visible(step.command)));
    if (level !== 'safe') {
      const warning = el('div', 'jp-DevGPT-reasons', `${level.toUpperCase()}: ${(step.risk?.reasons ?? []).join('; ')}`);
      card.appendChild(warning);
    }
    for (const line of step.explanations) {
      card.appendChild(el('div', 'jp-DevGPT-explanation', line));
    }
    const args = Object.entries(step.arguments);
    if (args.length) {
      const table = el('table', 'jp-DevGPT-args');
      for (const [arg, meaning] of args) {
        const row = el('tr');
        const name = el('td');
        name.appendChild(el('code', '', arg));
        row.append(name, el('td', '', meaning));
        table.appendChild(row);
      }
      card.appendChild(table);
    }
    const badge = el('span', `jp-DevGPT-badge jp-DevGPT-badge-${level}`, level);
    const insert = el('button', 'jp-DevGPT-insert jp-mod-styled', 'Insert');
    insert.title = 'Add the command as a cell below the active cell (not run)';
    insert.onclick = () => void this.insert(step);
    const copy = el('button', 'jp-DevGPT-copy jp-mod-styled', 'Copy');
    copy.onclick = () => Clipboard.copyToSystem(step.command);
    const actions = el('div', 'jp-DevGPT-actions');
    actions.append(badge, insert, copy);
    card.appendChild(actions);
    return card;
  }

  /** A dangerous command is inserted only after the same explicit acknowledgement as running it needs,
   * and the cell carries a `# DANGEROUS: ...` line above it. */
  private async insert(step: ICommandStep): Promise<void> {
    const panel = this.notebooks.currentWidget;
    if (!panel) {
      this.showError('Open a notebook first: the command goes into a new cell below its active cell.');
      return;
    }
    if (step.risk?.level === 'dangerous') {
      const reasons = dangerReasons(step);
      const body = el('div', 'jp-DevGPT-insertDanger');
      body.append(el('pre', 'jp-DevGPT-command', visible(step.command)),
                  el('div', 'jp-DevGPT-reasons', `DANGEROUS: ${reasons}. Inserting does not run it; running it cannot be undone.`));
      const answer = await showDialog({
        title: 'Insert a dangerous command?',
        body: new Widget({ node: body }),
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: `Yes, insert it: ${reasons.split(';')[0].slice(0, 60)}` })]
      });
      if (!answer.button.accept) {
        return;
      }
    }
    NotebookActions.insertBelow(panel.content);
    const cell = panel.content.activeCell;
    if (cell) {
      cell.model.sharedModel.setSource(cellText(step));
    }
  }

  private showError(message: string): void {
    this.transcript.appendChild(el('div', 'jp-DevGPT-error', message));
    this.transcript.scrollTop = this.transcript.scrollHeight;
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
