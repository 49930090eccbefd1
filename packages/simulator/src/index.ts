// @regionwatch/simulator: a deterministic, in-process Aspose OCR Cloud 5.0 API for the demo, tests and benchmarks.

// Starting one and scripting it: tasks, faults, tokens, counters (see the Simulator type).
export { startSimulator } from './start-simulator.js';
export type { Simulator } from './simulator.js';
export type { SimulatorOptions, OutcomeWeights, CompletionTimesOptions } from './simulator-options.js';
export {
  inverseNormal,
  isShifted,
  normalCdf,
  sampleCompletion,
  scaleWorkload,
  taskTimingFor,
  WORKLOAD_NAMES,
  WORKLOADS,
  workloadCdf,
  workloadQuantile,
  type CompletionWorkload,
  type LogNormalComponent,
  type WorkloadName,
  type WorkloadPhase,
} from './completion-workload.js';
export { Prng } from './prng.js';
export type {
  TaskScript,
  TaskState,
  Outcome,
  CompletedOutcome,
  RawCompletedOutcome,
  ErrorOutcome,
  NotExistOutcome,
} from './task-script.js';
export type { Faults } from './faults.js';
export type { Counters, RequestLogEntry } from './request-stats.js';
export type { Endpoint } from './endpoint.js';

// What it answers: the API's wire types, Aspose's rectangle encoding and the constants tests compare with.
export type { OCRResponse, OCRResult, OCRError, OCRTaskStatus, ResponseStatusCode } from './ocr-types.js';
export { encodeRectangles } from './encode-rectangles.js';
export { PAGE_WIDTH, PAGE_HEIGHT } from './generate-rectangles.js';
export { REQUEST_LOG_CAPACITY } from './request-stats.js';
export { TASK_NOT_FOUND_MESSAGE } from './build-ocr-response.js';

// Errors for options, scripts and faults it cannot use.
export { InvalidFaultsError } from './errors/invalid-faults-error.js';
export { InvalidTaskScriptError } from './errors/invalid-task-script-error.js';
export { InvalidSimulatorOptionsError } from './errors/invalid-options-error.js';
