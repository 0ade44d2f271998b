// The crash test at every crash point and two more moments (npm run test:long).
import { CRASH_POINTS } from "../../src/node/crash-points.ts";
import { crashSuite } from "./crash-suite.ts";

crashSuite(CRASH_POINTS, [1_500, 3_500]);
