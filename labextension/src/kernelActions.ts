// Lets the command cards in a notebook (ipywidgets in the kernel) insert a cell and copy to the clipboard:
// a widget callback in the kernel cannot do either, so the card opens a comm that this handler answers,
// and the answer ({ok}) tells the card whether it worked, so it never claims a copy that did not happen.
import { Clipboard } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';

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

async function perform(panel: NotebookPanel, action: string, text: string): Promise<boolean> {
  if (!text) {
    return false;
  }
  if (action === 'insert') {
    NotebookActions.insertBelow(panel.content);
    panel.content.activeCell?.model.sharedModel.setSource(text);
    return true;
  }
  if (action === 'copy') {
    return copyToClipboard(text);
  }
  return false;
}

function handlerFor(panel: NotebookPanel) {
  return async (comm: Kernel.IComm, msg: KernelMessage.ICommOpenMsg): Promise<void> => {
    const data = msg.content.data as { action?: string; text?: string };
    const action = String(data.action ?? '');
    let ok = false;
    try {
      ok = await perform(panel, action, String(data.text ?? ''));
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
