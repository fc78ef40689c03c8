// Package sdk defines the plain Go types of the connector SDK. They live here, below both
// plugins/connector (which re-exports them as aliases and adds Serve) and
// plugins/internal/protocol (which converts them to and from the wire), because connector.Serve
// needs the protocol and the protocol needs the types: one package for the types breaks that
// import cycle. Integrators never import this package; they use package connector.
package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Connector is what an integrator implements. Config travels with every call, so one plugin
// process serves every tenant and a restarted plugin needs nothing replayed.
type Connector interface {
	// Describe returns the connector's metadata. It must not depend on any configuration.
	Describe() Info
	// Validate checks cfg. With verify it also proves the credentials with the provider
	// (one authenticated read call) without sending anything.
	Validate(ctx context.Context, cfg Config, verify bool) error
	// Send delivers msg and returns the provider's receipt. It honours ctx's deadline and
	// retries nothing: the host decides about retries.
	Send(ctx context.Context, cfg Config, msg Message) (Receipt, error)
}

// Channel is the kind of message a connector carries.
type Channel string

const (
	SMS   Channel = "sms"
	Email Channel = "email"
)

// Usage is why a message is sent. Templates are keyed by usage; Generic is the fallback.
type Usage string

const (
	UsageSignup           Usage = "signup"
	UsageLogin            Usage = "login"
	UsageResetPassword    Usage = "reset_password"
	UsageUpdateUserinfo   Usage = "update_userinfo"
	UsageMFA              Usage = "mfa"
	UsageRetrieveUsername Usage = "retrieve_username"
	UsageTest             Usage = "test"
	UsageGeneric          Usage = "generic"
)

// Usages lists every canonical usage.
var Usages = []Usage{UsageSignup, UsageLogin, UsageResetPassword, UsageUpdateUserinfo, UsageMFA, UsageRetrieveUsername, UsageTest, UsageGeneric}

// TemplateKind says what a connector's templates hold.
type TemplateKind string

const (
	// TemplateProvider templates name a template registered with the provider (an ID) and the
	// ordered variable names that fill its positional parameters.
	TemplateProvider TemplateKind = "provider"
	// TemplateContent templates carry the subject and bodies themselves, as Go templates over
	// the named variables.
	TemplateContent TemplateKind = "content"
)

// Info is a connector's metadata.
type Info struct {
	// Name is the connector type's identifier, such as "tencentsms"; lower case, digits, '_'.
	Name        string  `json:"name"`
	DisplayName string  `json:"display_name"`
	Version     string  `json:"version"`
	Description string  `json:"description"`
	Channel     Channel `json:"channel"`
	// ConfigSchema is a JSON Schema (draft 2020-12) object describing Config. Secret properties
	// carry "writeOnly": true; the host encrypts them at rest and never shows them again.
	ConfigSchema json.RawMessage `json:"config_schema"`
	// Usages are the usages the connector accepts templates for.
	Usages []Usage `json:"usages"`
	// TemplateKind says whether templates reference provider templates or carry content.
	TemplateKind TemplateKind `json:"template_kind"`
	// Placeholders are the variable names a template may use, such as "code" and "ttl_minutes".
	// A template using any other name is refused when it is saved.
	Placeholders []string `json:"placeholders"`
}

// Config is a connector instance's configuration as JSON, shaped by Info.ConfigSchema.
type Config json.RawMessage

// Decode unmarshals the configuration into v, refusing fields v does not declare.
func (c Config) Decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(c))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			typeErr.Field = jsonPath(reflect.TypeOf(v), typeErr.Field)
		}
		return InvalidConfig(fmt.Sprintf("config: %v", err), decodeFieldErrors(err)...)
	}
	return nil
}

// jsonPath spells path, encoding/json's dotted path to a field of t, the way the JSON does.
// encoding/json names every embedded struct the path passes through, but an embedded struct's
// fields sit in the enclosing JSON object: its Go name means nothing to whoever wrote the JSON.
func jsonPath(t reflect.Type, path string) string {
	if path == "" {
		return path
	}
	var out []string
	for _, name := range strings.Split(path, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		var next reflect.Type
		embedded := false
		if t != nil && t.Kind() == reflect.Struct {
			for i := range t.NumField() {
				f := t.Field(i)
				tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				// Only an embedded struct is flattened; an embedded field of another type (say
				// an int type) is a field of its own, named like any other.
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if f.Anonymous && tag == "" && f.Name == name && ft.Kind() == reflect.Struct {
					next, embedded = f.Type, true
					break
				}
				if tag == name || tag == "" && f.Name == name {
					next = f.Type
				}
			}
		}
		if !embedded {
			out = append(out, name)
		}
		t = next
	}
	return strings.Join(out, ".")
}

// decodeFieldErrors names the offending field of a JSON decoding error where encoding/json
// tells it, so the host can point an administrator at the field instead of the whole config.
func decodeFieldErrors(err error) []FieldError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			field = "."
		}
		return []FieldError{{Field: field, Reason: "must be of type " + typeErr.Type.String() + ", not " + typeErr.Value}}
	}
	// encoding/json reports unknown fields only as text: `json: unknown field "name"`.
	const unknown = "json: unknown field "
	if msg := err.Error(); strings.HasPrefix(msg, unknown) {
		return []FieldError{{Field: strings.Trim(strings.TrimPrefix(msg, unknown), `"`), Reason: "unknown field"}}
	}
	return []FieldError{{Field: ".", Reason: "must be a JSON object"}}
}

// Template is the template resolved for one message (by usage, then locale, then generic).
type Template struct {
	// ID is the provider's template ID (TemplateProvider).
	ID string `json:"id,omitempty"`
	// Params are the variable names filling the provider template's positional parameters in
	// order (TemplateProvider), or the variables a content template uses.
	Params []string `json:"params,omitempty"`
	// Subject, Body and HTMLBody are Go templates over the variables (TemplateContent).
	Subject  string `json:"subject,omitempty"`
	Body     string `json:"body,omitempty"`
	HTMLBody string `json:"html_body,omitempty"`
}

// Message is one message to deliver.
type Message struct {
	// To is an E.164 phone number for SMS or an email address.
	To     string `json:"to"`
	Usage  Usage  `json:"usage"`
	Locale string `json:"locale,omitempty"`
	// Template is the resolved template.
	Template Template `json:"template"`
	// Variables are the named values: code, ttl_seconds, ttl_minutes, username, app_name ...
	Variables map[string]string `json:"variables,omitempty"`
}

// Receipt is the provider's acknowledgement of a sent message.
type Receipt struct {
	MessageID string `json:"message_id"`
}
