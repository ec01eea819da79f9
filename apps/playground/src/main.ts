/** Entry point: restores the workspace from the link (or starts from the starter policy). */
import './styles.css';
import { PlaygroundApp } from './app.js';
import { decodeWorkspace } from './share.js';
import { STARTER_WORKSPACE } from './workspace.js';

async function start(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) throw new Error('the page has no #app element');
  let workspace = STARTER_WORKSPACE;
  let note: string | undefined;
  if (location.hash.length > 1) {
    const decoded = await decodeWorkspace(location.hash);
    if (decoded.ok) workspace = decoded.workspace;
    else note = `could not open the link: ${decoded.reason}`;
  }
  const app = new PlaygroundApp(root, workspace);
  if (note !== undefined) app.notify(note);
  window.addEventListener('hashchange', () => {
    void decodeWorkspace(location.hash).then((result) => {
      if (result.ok) app.load(result.workspace);
    });
  });
}

void start();

// The built site works offline: its service worker (written by offline.ts) keeps every file.
// It registers after the page has loaded, so its downloads do not compete with the first render.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    void navigator.serviceWorker.register('./sw.js').catch(() => undefined);
  });
}
