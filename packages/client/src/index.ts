export { type BasisClient, type ClientOptions, createClient, type SessionMethods } from './client.js';
export { type ApiIssue, BasisApiError, type BasisApiErrorInit, NETWORK_ERROR } from './errors.js';
export type {
  ContractMethods,
  MethodInput,
  MethodOutput,
  ProcedureMethod,
  RequestOptions,
  RestContracts,
  RestKeys,
  RestMethods,
} from './routes.js';
export type { TokensListener } from './session.js';
