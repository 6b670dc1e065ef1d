import { FRAME_END, RUNNER_ACK } from "./remote-scripts.js";

/** The runner's stdin after its message: how and when the orchestrator answers its result. */
export interface FrameAck {
  /** Resolves once the whole frame went by: RUNNER_ACK (remove the task directory) or "" (keep it). */
  stdinEnd: Promise<string>;
  /** Feed every stdout chunk of the runner. */
  onStdout(chunk: Buffer): void;
}

/**
 * Watches a runner's stdout for the end of its frame and then answers it on the same channel, so
 * the clean-up costs no second round trip. The frame's payload is base64 and its markers start
 * with \u001e, so a task's own output can never fake the end. A marker split across two chunks
 * is still found.
 */
export function frameAck(clean: boolean): FrameAck {
  let answer: (word: string) => void = () => undefined;
  const stdinEnd = new Promise<string>((resolve) => (answer = resolve));
  let carry = "";
  let seen = false;
  return {
    stdinEnd,
    onStdout(chunk) {
      if (seen) return;
      const text = carry + chunk.toString("latin1");
      if (text.includes(FRAME_END)) {
        seen = true;
        answer(clean ? RUNNER_ACK : "");
      } else {
        carry = text.slice(-(FRAME_END.length - 1));
      }
    },
  };
}
