package host

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

// ErrBinaryChanged is the cause of the error returned when a plugin binary's SHA-256 no longer
// matches the one recorded at registration: someone replaced or modified it, so it is not run.
var ErrBinaryChanged = errors.New("connector binary changed since it was registered")

// ErrClosed is the cause of the error returned by calls after Close.
var ErrClosed = errors.New("connector host is closed")

func unknownType(name string) error {
	return &domain.Error{Kind: domain.KindNotFound, Code: domain.CodeUnknownConnectorType,
		Description: "unknown connector type " + name}
}

// unavailable is a host-side failure to reach a connector (crash, launch failure, deadline).
func unavailable(description string, cause error) *domain.Error {
	return &domain.Error{Kind: domain.KindUnavailable, Code: domain.CodeConnectorUnavailable,
		Description: description, Cause: cause}
}

// toDomain converts a connector's error into the core's error. Every text the connector
// produced passes through redact first: a connector that echoes its configuration must not
// carry a secret into logs, the API or the audit trail.
func toDomain(err error, redact func(string) string) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	ce := connector.AsError(err)
	desc := redact(ce.Message)
	code := redact(ce.ProviderCode)
	if code != "" {
		desc += " (provider code " + code + ")"
	}
	out := &domain.Error{
		Description: desc,
		Cause:       &domain.ConnectorError{Kind: string(ce.Kind), ProviderCode: code, RetryAfter: ce.RetryAfter},
	}
	switch ce.Kind {
	case connector.KindInvalidConfig:
		out.Kind, out.Code = domain.KindInvalid, domain.CodeConnectorInvalidConfig
		for _, f := range ce.Fields {
			field := "config"
			if f.Field != "" && f.Field != "." {
				field += "." + strings.TrimPrefix(f.Field, ".")
			}
			out.Details = append(out.Details, domain.FieldError{Field: field, Reason: redact(f.Reason)})
		}
	case connector.KindInvalidRecipient:
		out.Kind, out.Code = domain.KindInvalid, domain.CodeConnectorInvalidRecipient
	case connector.KindRateLimited:
		out.Kind, out.Code, out.RetryAfter = domain.KindRateLimited, domain.CodeConnectorRateLimited, ce.RetryAfter
	case connector.KindQuotaExceeded:
		out.Kind, out.Code = domain.KindUnavailable, domain.CodeConnectorQuotaExceeded
	case connector.KindRejected:
		out.Kind, out.Code = domain.KindUnavailable, domain.CodeConnectorRejected
	default:
		out.Kind, out.Code = domain.KindUnavailable, domain.CodeConnectorUnavailable
	}
	return out
}

// secretValues extracts the values of the secret properties from a configuration, for
// redaction. It runs only when an error is being converted, never on the success path.
func secretValues(config []byte, fields []string) []string {
	if len(fields) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(config, &m) != nil {
		return nil
	}
	var out []string
	for _, f := range fields {
		// Very short values would mangle unrelated text and are not secrets worth the name.
		if s, ok := m[f].(string); ok && len(s) >= 4 {
			out = append(out, s)
		}
	}
	return out
}

func redactor(config []byte, fields []string) func(string) string {
	var (
		done    bool
		secrets []string
	)
	return func(s string) string {
		if s == "" {
			return s
		}
		if !done {
			secrets, done = secretValues(config, fields), true
		}
		for _, v := range secrets {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
		return s
	}
}
