import { answerStart } from "../picoclaw/reply.js";

function lines(text: string): string[] {
  const all = text.split("\n");
  if (all[all.length - 1] === "") all.pop();
  return all;
}

/**
 * The last `count` lines a task printed, in the order it printed them: PicoClaw writes its banner
 * on stdout, its log to the task's log file (PICOCLAW_LOG_FILE), then its answer on stdout. So the
 * log lines go between the banner and the answer.
 */
export function taskLogLines(stdout: string, log: string, count: number): string[] {
  const split = answerStart(stdout);
  return [...lines(stdout.slice(0, split)), ...lines(log), ...lines(stdout.slice(split))].slice(-count);
}
