/**
 * Typed SIP header values (RFC 3261 §20 and extensions): one decoder per header family, plus the
 * registry and the inspector explanations.
 */
export * from './decoded';
export * from './address';
export * from './auth';
export * from './dialog';
export * from './event';
export * from './info';
export * from './list';
export * from './media';
export * from './reason';
export * from './registry';
export * from './scalar';
export * from './via';
