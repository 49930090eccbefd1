/** The Aspose endpoints the simulator serves, as counted and logged. */
export type Endpoint = 'token' | 'submit' | 'get' | 'status' | 'cancel';
