// Package connector is the SDK for writing a Gatehouse message connector: an SMS or email
// provider packaged as a plugin process. An integrator implements Connector with plain Go types
// and calls Serve from main; the protocol, transport and supervision stay out of sight.
//
// A connector is stateless: its configuration (JSON, shaped by the JSON Schema in
// Info.ConfigSchema) arrives with every call, so one process serves every tenant and the host
// can restart it at any time. Secret configuration properties carry "writeOnly": true in the
// schema. Every error a connector returns should be a typed *Error (InvalidConfig,
// InvalidRecipient, RateLimited, QuotaExceeded, Rejected, Unavailable); anything else reaches
// the host as Unavailable.
//
// A connector must never write to stdout (it carries the plugin handshake) and should log only
// through Log or Logger, which write hclog JSON to stderr for the host to forward. Messages and
// logs must not contain secrets, verification codes or full phone numbers.
//
// The package connectortest checks a connector against the host's expectations.
package connector
