// Lets the command cards in a notebook (ipywidgets in the kernel) insert a cell, copy to the clipboard and
// refresh their static view: a widget callback in the kernel can do none of these, so the card opens a comm that
// this handler answers, and the answer ({ok}) tells the card whether it worked, so it never claims a copy that
// did not happen.
import { Clipboard } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';

import { insertCell } from './codeBlocks';

export const COMM_TARGET = 'devgpt_frontend';

async function copyToClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    Clipboard.copyToSystem(text); // older browsers and insecure origins; success cannot be known here
    return false;
  }
}

/** Replace the card's static twin (the output whose metadata names it) with its new rendering: what ran is
 * then in the saved notebook too. A display update sent from a widget callback never reaches the output area. */
function updateStatic(panel: NotebookPanel, id: string, data: any, metadata: any): boolean {
  let found = false;
  const cells = panel.content.model?.cells;
  if (!cells || !id || typeof data !== 'object' || data === null) {
    return false;
  }
  for (let c = 0; c < cells.length; c++) {
    const cell = cells.get(c);
    if (cell.type !== 'code') {
      continue;
    }
    const outputs = (cell as any).outputs; // an ICodeCellModel's output area model
    for (let i = 0; i < outputs.length; i++) {
      const item = outputs.get(i);
      const marker = (item.metadata as any)?.devgpt;
      if (marker && marker.static === id) {
        outputs.set(i, { output_type: 'display_data', data, metadata: metadata ?? item.metadata });
        found = true;
      }
    }
  }
  return found;
}

async function perform(panel: NotebookPanel, action: string, data: any): Promise<boolean> {
  if (action === 'static') {
    return updateStatic(panel, String(data.id ?? ''), data.data, data.metadata);
  }
  const text = String(data.text ?? '');
  if (!text) {
    return false;
  }
  if (action === 'insert') {
    await insertCell(panel, text);
    return true;
  }
  if (action === 'copy') {
    return copyToClipboard(text);
  }
  return false;
}

function handlerFor(panel: NotebookPanel) {
  return async (comm: Kernel.IComm, msg: KernelMessage.ICommOpenMsg): Promise<void> => {
    const data = (msg.content.data ?? {}) as any;
    const action = String(data.action ?? '');
    let ok = false;
    try {
      ok = await perform(panel, action, data);
    } finally {
      comm.send({ action, ok });
      comm.close();
    }
  };
}

export function connectKernelActions(notebooks: INotebookTracker): void {
  notebooks.widgetAdded.connect((_, panel) => {
    const register = () => {
      const kernel = panel.sessionContext.session?.kernel;
      if (kernel) {
        kernel.registerCommTarget(COMM_TARGET, handlerFor(panel)); // a second registration replaces the first
      }
    };
    panel.sessionContext.kernelChanged.connect(register);
    void panel.sessionContext.ready.then(register);
  });
}
