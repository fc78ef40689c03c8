package connector

import "github.com/gatehouse-iam/gatehouse/plugins/internal/sdk"

// The types below are aliases of plugins/internal/sdk, where they are defined so that the gRPC
// bridge (plugins/internal/protocol) can use them while Serve in this package uses the bridge.
// For an integrator they are this package's own types: same names, same methods, same fields.

// Connector is what an integrator implements. Config travels with every call, so one plugin
// process serves every tenant and a restarted plugin needs nothing replayed.
//
//	Describe() Info                                            // metadata; must not depend on any config
//	Validate(ctx context.Context, cfg Config, verify bool) error // with verify, prove credentials without sending
//	Send(ctx context.Context, cfg Config, msg Message) (Receipt, error) // honour ctx; retry nothing
type Connector = sdk.Connector

// Channel is the kind of message a connector carries.
type Channel = sdk.Channel

const (
	SMS   Channel = sdk.SMS
	Email Channel = sdk.Email
)

// Usage is why a message is sent. Templates are keyed by usage; Generic is the fallback.
type Usage = sdk.Usage

const (
	UsageSignup           Usage = sdk.UsageSignup
	UsageLogin            Usage = sdk.UsageLogin
	UsageResetPassword    Usage = sdk.UsageResetPassword
	UsageUpdateUserinfo   Usage = sdk.UsageUpdateUserinfo
	UsageMFA              Usage = sdk.UsageMFA
	UsageRetrieveUsername Usage = sdk.UsageRetrieveUsername
	UsageTest             Usage = sdk.UsageTest
	UsageGeneric          Usage = sdk.UsageGeneric
)

// Usages lists every canonical usage.
var Usages = sdk.Usages

// TemplateKind says what a connector's templates hold.
type TemplateKind = sdk.TemplateKind

const (
	// TemplateProvider templates name a template registered with the provider (an ID) and the
	// ordered variable names that fill its positional parameters.
	TemplateProvider TemplateKind = sdk.TemplateProvider
	// TemplateContent templates carry the subject and bodies themselves, as Go templates over
	// the named variables.
	TemplateContent TemplateKind = sdk.TemplateContent
)

// Info is a connector's metadata: Name (lower case, digits, '_'), DisplayName, Version,
// Description, Channel, ConfigSchema (a JSON Schema object; secret properties carry
// "writeOnly": true), Usages, TemplateKind and Placeholders (the variable names a template may
// use; a template using any other name is refused when it is saved).
type Info = sdk.Info

// Config is a connector instance's configuration as JSON, shaped by Info.ConfigSchema. Its
// Decode method unmarshals into a struct, refusing unknown fields, and reports the offending
// field of a type mismatch as a FieldError.
type Config = sdk.Config

// Template is the template resolved for one message (by usage, then locale, then generic): ID
// and Params for provider templates, Subject, Body and HTMLBody (Go templates) for content ones.
type Template = sdk.Template

// Message is one message to deliver: To (E.164 phone number or email address), Usage, Locale,
// the resolved Template and the named Variables (code, ttl_minutes, username ...).
type Message = sdk.Message

// Receipt is the provider's acknowledgement of a sent message.
type Receipt = sdk.Receipt
