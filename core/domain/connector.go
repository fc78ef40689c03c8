package domain

import (
	"encoding/json"
	"fmt"
	"time"
)

// Channels a connector type carries.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// Template kinds: provider templates name a template registered with the provider (ID) and the
// ordered variables filling its parameters; content templates carry subject and bodies as Go
// templates over the variables.
const (
	TemplateKindProvider = "provider"
	TemplateKindContent  = "content"
)

// Canonical usages: why a message is sent. Templates are keyed by usage; generic is the fallback.
const (
	UsageSignup           = "signup"
	UsageLogin            = "login"
	UsageResetPassword    = "reset_password"
	UsageUpdateUserinfo   = "update_userinfo"
	UsageMFA              = "mfa"
	UsageRetrieveUsername = "retrieve_username"
	UsageTest             = "test"
	UsageGeneric          = "generic"
)

// CanonicalUsages lists every usage, in a stable order.
var CanonicalUsages = []string{UsageSignup, UsageLogin, UsageResetPassword, UsageUpdateUserinfo, UsageMFA, UsageRetrieveUsername, UsageTest, UsageGeneric}

// IsCanonicalUsage reports whether u is one of CanonicalUsages.
func IsCanonicalUsage(u string) bool {
	for _, c := range CanonicalUsages {
		if u == c {
			return true
		}
	}
	return false
}

// ConnectorType is what a connector plugin offers, as the core sees it.
type ConnectorType struct {
	Name        string
	DisplayName string
	Version     string
	Description string
	// Channel is ChannelSMS or ChannelEmail.
	Channel string
	// ConfigSchema is the JSON Schema (an object schema) a configuration must satisfy.
	ConfigSchema []byte
	// Usages are the usages the type accepts templates for.
	Usages []string
	// TemplateKind is TemplateKindProvider or TemplateKindContent.
	TemplateKind string
	// Placeholders are the variable names a template may use.
	Placeholders []string
	// SecretFields are the top-level config properties marked "writeOnly" in the schema: they are
	// encrypted at rest, never shown again and scrubbed from errors.
	SecretFields []string
}

// SupportsUsage reports whether the type accepts templates for usage.
func (t ConnectorType) SupportsUsage(usage string) bool {
	for _, u := range t.Usages {
		if u == usage {
			return true
		}
	}
	return false
}

// HasPlaceholder reports whether name is one of the type's placeholders.
func (t ConnectorType) HasPlaceholder(name string) bool {
	for _, p := range t.Placeholders {
		if p == name {
			return true
		}
	}
	return false
}

// MessageTemplate is a saved template for one usage and locale (empty locale: any).
type MessageTemplate struct {
	Usage  string `json:"usage"`
	Locale string `json:"locale,omitempty"`
	// ID and Params describe a provider template: its ID and the variable names filling its
	// positional parameters, in order.
	ID     string   `json:"id,omitempty"`
	Params []string `json:"params,omitempty"`
	// Subject, Body and HTMLBody are Go text/template sources over the variables (content kind).
	Subject  string `json:"subject,omitempty"`
	Body     string `json:"body,omitempty"`
	HTMLBody string `json:"html_body,omitempty"`
}

// OutboundMessage is one message for a connector to deliver.
type OutboundMessage struct {
	// To is an E.164 phone number or an email address.
	To     string
	Usage  string
	Locale string
	// Template is the resolved template (ResolveTemplate).
	Template MessageTemplate
	// Variables are the named values (code, ttl_minutes, username ...).
	Variables map[string]string
}

// Delivery is a connector's acknowledgement of a sent message.
type Delivery struct {
	MessageID string
	// Latency is how long the send took as seen by the caller, plugin round trip included.
	Latency time.Duration
}

// Connector error kinds, as the connector reported them.
const (
	ConnectorInvalidConfig    = "invalid_config"
	ConnectorInvalidRecipient = "invalid_recipient"
	ConnectorRateLimited      = "rate_limited"
	ConnectorQuotaExceeded    = "quota_exceeded"
	ConnectorRejected         = "rejected"
	ConnectorUnavailable      = "unavailable"
)

// Public codes of connector failures.
const (
	CodeConnectorInvalidConfig    = "connector_invalid_config"
	CodeConnectorInvalidRecipient = "connector_invalid_recipient"
	CodeConnectorRateLimited      = "connector_rate_limited"
	CodeConnectorQuotaExceeded    = "connector_quota_exceeded"
	CodeConnectorRejected         = "connector_rejected"
	CodeConnectorUnavailable      = "connector_unavailable"
	CodeUnknownConnectorType      = "unknown_connector_type"
	CodeInvalidTemplate           = "invalid_template"
)

// ConnectorError is the connector-level detail behind a connector failure, the Cause of the
// *Error a MessageSender returns. Reach it with errors.As.
type ConnectorError struct {
	// Kind is one of the Connector* kinds above.
	Kind string
	// ProviderCode is the provider's own error code, when it gave one.
	ProviderCode string
	// RetryAfter is the provider's requested wait (rate limited), zero when unknown.
	RetryAfter time.Duration
}

func (e *ConnectorError) Error() string {
	msg := "connector " + e.Kind
	if e.ProviderCode != "" {
		msg += " (provider code " + e.ProviderCode + ")"
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	return msg
}

// MaxCodeLength is the longest verification code the type's provider accepts, from the
// top-level "x-max-code-length" of its config schema (Tencent Cloud SMS declares 6: a
// template variable holds at most 6 digits); 0 when the schema declares none or is unreadable.
func (t ConnectorType) MaxCodeLength() int {
	var schema struct {
		MaxCodeLength *int `json:"x-max-code-length"`
	}
	if len(t.ConfigSchema) == 0 || json.Unmarshal(t.ConfigSchema, &schema) != nil || schema.MaxCodeLength == nil {
		return 0
	}
	return max(*schema.MaxCodeLength, 0)
}
