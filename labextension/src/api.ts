// Calls to the devgpt_magic server extension. ServerConnection adds Jupyter's token and XSRF header.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export interface IRisk {
  level: 'safe' | 'caution' | 'dangerous';
  reasons: string[];
}

export interface ICommandStep {
  command: string;
  explanations: string[];
  arguments: { [arg: string]: string };
  risk: IRisk | null;
  /** argument -> what this machine's documentation says ("not in `tar --help` on this machine") */
  argument_notes?: { [arg: string]: string };
}

export interface IUsage {
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  estimated: boolean;
  cost_usd: number | null;
  latency_s: number;
  cached: boolean;
}

export interface ISuggestion {
  request: string;
  mode: string;
  commands: ICommandStep[];
  invalid_reason: string | null;
  model: string;
  usage: IUsage | null;
  notice?: string | null;
  alternatives?: ICommandStep[];
}

export interface IModelInfo {
  name: string;
  provider: string;
  local: boolean;
  key_present: boolean;
  key_env: string[];
  default: boolean;
  available?: boolean;
  selectable?: boolean;
  reason?: string | null;
  /** the GGUF file's name (local models) */
  file?: string | null;
  size?: number | null;
  /** not on disk, and Pull can fetch it */
  pullable?: boolean;
  /** the model that `local` means on this server */
  local_default?: boolean;
  description?: string;
}

export interface IModelList {
  default: string;
  models: IModelInfo[];
}

export type ChatEvent =
  | { type: 'delta'; text: string }
  | {
      type: 'done';
      conversation_id: string;
      text: string;
      /** the reply as HTML made by the server's Markdown renderer: raw HTML escaped, images as links */
      html: string;
      usage: IUsage;
      truncated?: boolean;
      dropped_exchanges?: number;
    }
  | { type: 'error'; error: string };

export type PullEvent =
  | { type: 'start'; model: string; size: number | null; size_text: string }
  | { type: 'progress'; line: string; done?: number; total?: number }
  | { type: 'done'; model: string; file: string; available: boolean }
  | { type: 'error'; error: string };

export interface IPreviewAnswer {
  preview: {
    command: string;
    cwd: string;
    available: boolean;
    unavailable_reason: string;
    headline: string;
    effects: string;
    incomplete: boolean;
    counts: { created: number; modified: number; deleted: number };
  };
  html: string;
  risk: IRisk;
}

const settings = (): ServerConnection.ISettings => ServerConnection.makeSettings();

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const s = settings();
  const url = URLExt.join(s.baseUrl, 'devgpt', path);
  const response = await ServerConnection.makeRequest(url, init, s);
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).error ?? message;
    } catch {
      // keep the status line
    }
    throw new Error(message);
  }
  return response;
}

export async function listModels(): Promise<IModelList> {
  return (await call('models')).json();
}

/** May the panel use this model (e.g. a typed gguf: path)? The server's policy answers, or throws its reason. */
export async function checkModel(model: string): Promise<IModelInfo & { resolved: string }> {
  return (await call('models/check', { method: 'POST', body: JSON.stringify({ model }) })).json();
}

/** A suggestion's commands, with their risk, before they are explained. */
export type DecidedCommand = { command: string; risk: IRisk | null };

type SuggestEvent =
  | { type: 'decided'; commands: DecidedCommand[] }
  | { type: 'done'; suggestion: ISuggestion }
  | { type: 'error'; error: string };

/** Commands for a request. The answer arrives as events: a model that explains after deciding sends the
 * commands first (``onDecided``) and spends most of a regular answer explaining them; the promise resolves
 * with the whole suggestion. */
export async function suggest(
  request: string,
  model: string,
  mode: string,
  onDecided: (commands: DecidedCommand[]) => void,
  signal?: AbortSignal
): Promise<ISuggestion> {
  const body = JSON.stringify({ request, model, mode, events: true });
  const response = await call('suggest', { method: 'POST', body, signal });
  let result: ISuggestion | null = null;
  let failure: string | null = null;
  await readEvents<SuggestEvent>(response, event => {
    if (event.type === 'decided') {
      onDecided(event.commands);
    } else if (event.type === 'done') {
      result = event.suggestion;
    } else {
      failure = event.error;
    }
  });
  if (failure !== null) {
    throw new Error(failure);
  }
  if (result === null) {
    throw new Error('The answer ended before it was complete; send the request again.');
  }
  return result;
}

export async function explain(command: string, model: string, signal?: AbortSignal): Promise<ISuggestion> {
  const body = JSON.stringify({ command, model });
  return (await call('explain', { method: 'POST', body, signal })).json();
}

export async function assess(command: string, path: string | null): Promise<IRisk> {
  const body = JSON.stringify({ command, path });
  return (await (await call('assess', { method: 'POST', body })).json()).risk;
}

export async function preview(command: string, path: string | null): Promise<IPreviewAnswer> {
  const body = JSON.stringify({ command, path });
  return (await call('preview', { method: 'POST', body })).json();
}

/** Newline-delimited JSON events, each handed to onEvent as it arrives. */
async function readEvents<T>(response: Response, onEvent: (event: T) => void): Promise<void> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    buffered += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) {
        onEvent(JSON.parse(line) as T);
      }
    }
  }
}

/** Chat replies arrive as newline-delimited JSON events while the model generates; aborting the signal
 * closes the connection, and the server then stops the generation. */
export async function chat(
  message: string,
  model: string,
  conversationId: string | null,
  onEvent: (event: ChatEvent) => void,
  signal?: AbortSignal
): Promise<void> {
  const body = JSON.stringify({ message, model, conversation_id: conversationId });
  const response = await call('chat', { method: 'POST', body, signal });
  await readEvents(response, onEvent);
}

export async function pullModel(model: string, onEvent: (event: PullEvent) => void): Promise<void> {
  const response = await call('models/pull', { method: 'POST', body: JSON.stringify({ model }) });
  await readEvents(response, onEvent);
}

export async function clearChat(conversationId: string): Promise<void> {
  await call(`chat?conversation_id=${encodeURIComponent(conversationId)}`, { method: 'DELETE' });
}
