import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

// The long suites (`npm run test:long`): engine comparisons and soak runs kept out of CI's 12-minute budget.
export default defineConfig({ test: { ...base.test, include: ["tests/**/*.long.test.ts"], exclude: ["node_modules/**"] } });
