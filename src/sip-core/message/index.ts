/**
 * The SIP message layer: structural parse, key fields, serializer, lint.
 * @remarks RFC 3261 §7 (messages), §20 (header fields), §25 (grammar).
 */
export { parseMessage, isTokenChar } from './parse';
export type { SipMessage, HeaderField } from './sip-message';
export { carriesSdp } from './sip-message';
export {
  HEADER_NAMES,
  COMPACT_FORMS,
  canonicalHeaderName,
  displayHeaderName,
  headerNameInfo,
  isListHeader,
  isSingleValueHeader,
  type HeaderNameInfo,
} from './header-names';
export {
  MESSAGE_DIAGNOSTICS,
  MESSAGE_DIAGNOSTIC_LIST,
  messageDiagnosticRule,
  sipDiagnostic,
  type DiagnosticRule,
  type DiagnosticStage,
} from './diagnostic-codes';
export { decodeSpan, decodeUnfolded, splitCommaSpans } from './text';
export { lintMessage, diagnosticCatalogue, uriParts, type LintOptions } from './lint';
export {
  serializeMessage,
  MessageEditor,
  buildRequest,
  buildResponse,
  buildResponseTo,
  type MessageEdit,
  type HeaderList,
  type RequestSpec,
  type ResponseSpec,
  type ResponseToOptions,
} from './serialize';
export { reasonPhrase } from './reason-phrases';
export {
  typedFields,
  viaValues,
  fromValue,
  toValue,
  contactValues,
  routeValues,
  recordRouteValues,
  cseqValue,
  contentTypeValue,
  requestUriValue,
  decodeAllHeaders,
  bodyValue,
  type TypedBody,
  type TypedCache,
  TypedView,
} from './typed';

// The typed-value layer (headers, URIs, name-addr, parameters, bodies, digest), re-exported so callers
// import the whole message layer from one place.
export * from './headers/index';
export * from './uri';
export * from './name-addr';
export * from './params';
export * from './sdp';
export * from './multipart';
export * from './sipfrag';
export * from './digest';
