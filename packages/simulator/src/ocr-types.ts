// Wire types of the Aspose OCR Cloud 5.0 API as the simulator sends them: the API's schemas
// `OCRResponse`, `OCRResult`, `OCRError`, `OCRTaskStatus` and `ResponseStatusCode` (what the simulator
// imitates, and how to script it: packages/simulator/README.md).

/** `OCRTaskStatus`: where a task is in Aspose's queue. `NotExist` also means "results deleted". */
export type OCRTaskStatus = 'Pending' | 'Processing' | 'Completed' | 'Error' | 'NotExist';

/** `ResponseStatusCode` values the schema lists. Scripts may send any string to test unknown codes. */
export type ResponseStatusCode = 'Ok' | 'PartiallyNotFound' | 'NoAnyResultData' | 'ResultDataLost' | 'TaskNotFound' | 'NotReady' | 'Error';

/** One result item; for DetectRegions `type` is `"Other"` and `data` the base64 rectangles. */
export type OCRResult = { type: string | null; data: string | null };

/** `OCRError`: fatal `messages` and non-fatal `warnings`. */
export type OCRError = { messages: string[] | null; warnings: string[] | null };

/** `OCRResponse`, the body of `GET /v5.0/ocr/DetectRegions` and `GET /v5.0/ocr/Utilities/GetTaskStatus`. */
export type OCRResponse = {
  id: string | null;
  responseStatusCode: ResponseStatusCode | (string & {});
  taskStatus: OCRTaskStatus;
  results: OCRResult[] | null;
  error: OCRError | null;
};
