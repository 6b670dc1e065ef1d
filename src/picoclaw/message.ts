/** U+2060 WORD JOINER: invisible, not white space to Go's strings.Fields, so the first word no longer starts with '/'. */
const WORD_JOINER = "\u2060";

/**
 * The `-m` text for a task. PicoClaw runs a message whose first word starts with `/` or `!` as one
 * of its own commands (pkg/commands: `/clear`, `/help`, `!stop`...) instead of giving it to the
 * model, so a task such as "/var/log is full: find out why" would never reach the model. Unless
 * the caller asked for a PicoClaw command (`slash_command: true`), such a task is delivered to the
 * model as text, behind an invisible word joiner; every other task goes verbatim.
 */
export function agentMessage(task: string, slashCommand = false): string {
  return !slashCommand && /^\s*[/!]/u.test(task) ? WORD_JOINER + task : task;
}
