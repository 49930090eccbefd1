import { defineProject, mergeConfig } from 'vitest/config';
import { sharedProjectConfig } from '../vitest.shared.js';

// The bench's files run after every other file (a later group), not beside chaos-small: the benchmark's
// loops keep the CPU busy on purpose, and the chaos scenarios, whose outages and retry schedules are
// timelines, should not share a 2-core machine with them. The bench has no timing assertion of its own.
export default defineProject(mergeConfig(sharedProjectConfig('@regionwatch/bench'), { test: { sequence: { groupOrder: 1 } } }));
