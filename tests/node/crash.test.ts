// The crash test at the points where work is acknowledged, proven and handed to the L1 (every point: crash.long.test.ts).
import { crashSuite } from "./crash-suite.ts";

crashSuite(["admit:after-write", "prove:during", "submit:after-log", "submit:after-execute"], [2_500]);
