import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/lab/prerequisites.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Lab hosts are real sshd processes and real users: files run one at a time on the 2-core machine.
    fileParallelism: false,
    pool: "forks",
  },
});
