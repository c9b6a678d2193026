// Lets the command cards in a notebook (ipywidgets in the kernel) insert a cell and copy to the clipboard:
// a widget callback in the kernel cannot do either, so the card opens a comm that this handler answers.
import { Clipboard } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';

export const COMM_TARGET = 'devgpt_frontend';

function handlerFor(panel: NotebookPanel) {
  return (comm: Kernel.IComm, msg: KernelMessage.ICommOpenMsg): void => {
    const data = msg.content.data as { action?: string; text?: string };
    const text = String(data.text ?? '');
    if (data.action === 'insert' && text) {
      NotebookActions.insertBelow(panel.content);
      panel.content.activeCell?.model.sharedModel.setSource(text);
    } else if (data.action === 'copy' && text) {
      Clipboard.copyToSystem(text);
    }
    comm.close();
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
