/**
 * Glossary — the words every package uses in one sense only.
 *
 * - **task**: one Aspose region-detection request, named by the task id Aspose returned.
 * - **track**: hand a task id to regionwatch (a `PollJob` in `regions-poll`, job id = task id).
 * - **poll**: one `GET /v5.0/ocr/DetectRegions?id=` for a task; `Pending`/`Processing` mean ask again.
 * - **result**: the `RegionResult` a task ends with — exactly one per tracked task.
 * - **delivery**: handing a result on: a job in the results queue and/or a signed webhook POST.
 * - **dead letter**: a webhook delivery that ran out of attempts; it stays in the failed set of
 *   `regions-webhooks` until replayed.
 * - **replica**: one worker process; any number share one Redis.
 */
export {};
