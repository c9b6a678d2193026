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
}

export interface IModelInfo {
  name: string;
  provider: string;
  local: boolean;
  key_present: boolean;
  key_env: string[];
  default: boolean;
}

export type ChatEvent =
  | { type: 'delta'; text: string }
  | { type: 'done'; conversation_id: string; text: string; usage: IUsage }
  | { type: 'error'; error: string };

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

export async function listModels(): Promise<{ default: string; models: IModelInfo[] }> {
  return (await call('models')).json();
}

export async function suggest(request: string, model: string, mode: string): Promise<ISuggestion> {
  const body = JSON.stringify({ request, model, mode });
  return (await call('suggest', { method: 'POST', body })).json();
}

/** Chat replies arrive as newline-delimited JSON events while the model generates. */
export async function chat(
  message: string,
  model: string,
  conversationId: string | null,
  onEvent: (event: ChatEvent) => void
): Promise<void> {
  const body = JSON.stringify({ message, model, conversation_id: conversationId });
  const response = await call('chat', { method: 'POST', body });
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
        onEvent(JSON.parse(line) as ChatEvent);
      }
    }
  }
}

export async function clearChat(conversationId: string): Promise<void> {
  await call(`chat?conversation_id=${encodeURIComponent(conversationId)}`, { method: 'DELETE' });
}
