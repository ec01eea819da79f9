// Runs a jailed command with piped stdout/stderr and collects both, or the JailError it fails with.
import { JailError, type JailOptions, type JailResult, startJailed } from '../src/index.js';

export interface Collected {
  readonly result: JailResult;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCollect(options: Omit<JailOptions, 'stdio'>): Promise<Collected> {
  const started = startJailed({ ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  started.child?.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  started.child?.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // The result comes after the child's 'exit', when its pipes may still hold output not yet read
  // (Node gives no order between the two; a loaded machine shows it): wait for 'close', which
  // comes after both pipes ended.
  const closed = new Promise<void>((resolve) => {
    if (started.child === undefined) resolve();
    else {
      started.child.once('close', () => {
        resolve();
      });
    }
  });
  const result = await started.result;
  await closed;
  return { result, stdout, stderr };
}

/** The JailError a launch rejects with; any other outcome fails the test. */
export async function jailError(promise: Promise<unknown>): Promise<JailError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JailError) return error;
    throw error;
  }
  throw new Error('the launch succeeded');
}
