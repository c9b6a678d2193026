import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { LabIcon } from '@jupyterlab/ui-components';

import { watchNotebookReplies } from './codeBlocks';
import { connectKernelActions } from './kernelActions';
import { DevGPTPanel } from './panel';

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" ' +
  'd="M3 4h18v16H3z M5 6v12h14V6z M7 9l3 3-3 3 1.4 1.4L12.8 12 8.4 7.6z M13 15h4v2h-4z"/></svg>';

export const devgptIcon = new LabIcon({ name: 'devgpt-magic:icon', svgstr: ICON_SVG });

const OPEN = 'devgpt:open';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'devgpt-magic:panel',
  description: 'A side panel for shell commands from plain English and a developer chat.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const panel = new DevGPTPanel(notebooks, rendermime);
    panel.title.icon = devgptIcon;
    app.shell.add(panel, 'right', { rank: 600 });
    restorer?.add(panel, 'devgpt-panel');
    app.commands.addCommand(OPEN, {
      label: 'DevGPT: Open Panel',
      execute: () => {
        app.shell.activateById(panel.id);
        panel.focusInput();
      }
    });
    app.commands.addKeyBinding({ command: OPEN, keys: ['Accel Shift Y'], selector: 'body' });
    palette?.addItem({ command: OPEN, category: 'DevGPT' });
    connectKernelActions(notebooks);
    watchNotebookReplies(notebooks);
  }
};

export default plugin;
