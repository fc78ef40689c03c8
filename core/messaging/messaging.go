// Package messaging sends SMS and email through a pool's connectors: it reassembles a
// connector's configuration (opening its sealed secrets), checks the recipient for the channel,
// resolves the template for the usage and locale, and calls ports.MessageSender.
package messaging

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// DefaultLocale is the locale templates fall back to before the locale-less one.
const DefaultLocale = "en"

// Service sends messages through connectors.
type Service struct {
	Sender     ports.MessageSender
	Cipher     ports.Cipher
	Pools      ports.PoolStore
	Settings   ports.MessageSettingsStore
	Connectors ports.ConnectorStore
	Quotas     ports.QuotaCounter
	// Sources are read when the SMS or email connector changes, to keep every OTP source's code
	// within the new connector's limit; nil skips that check.
	Sources ports.AuthSourceStore
	Locker  ports.PoolLocker
	Tx      ports.Tx
	// Audit records every settings change inside the change's transaction.
	Audit audit.Recorder
	Clock ports.Clock
	// Platform are the operator's default connectors per channel, used by pools without their
	// own, each under FreeQuota messages per pool.
	Platform  map[string]PlatformConnector
	FreeQuota map[string]int
	// Logger records each message's outcome (never its recipient, code or variables).
	Logger *slog.Logger
}

// PlatformConnector is a default connector chosen by the operator in configuration.
type PlatformConnector struct {
	Type      string
	Config    map[string]any
	Templates []domain.MessageTemplate
}

// SendRequest is one message through one connector instance.
type SendRequest struct {
	Connector *domain.Connector
	To        string
	Usage     string
	Locale    string
	Variables map[string]string
}

// SendWith delivers a message through one connector instance and returns the provider's
// receipt and the latency.
func (s *Service) SendWith(ctx context.Context, req SendRequest) (domain.Delivery, error) {
	msg, cfg, err := s.prepare(req)
	if err != nil {
		return domain.Delivery{}, err
	}
	return s.Sender.Send(ctx, req.Connector.Type, cfg, msg)
}

// prepare checks a message for its connector instance (the recipient for the channel, a
// template for the usage) and opens the instance's configuration: all that can fail before the
// connector is called.
func (s *Service) prepare(req SendRequest) (domain.OutboundMessage, []byte, error) {
	to, err := NormalizeRecipient(req.Connector.Channel, req.To)
	if err != nil {
		return domain.OutboundMessage{}, nil, err
	}
	usage := req.Usage
	if usage == "" {
		usage = domain.UsageTest
	}
	if !domain.IsCanonicalUsage(usage) {
		return domain.OutboundMessage{}, nil, domain.InvalidField("usage", "must be one of the canonical usages")
	}
	tpl, ok := domain.ResolveTemplate(req.Connector.Templates, usage, req.Locale, DefaultLocale)
	if !ok {
		return domain.OutboundMessage{}, nil, domain.Invalid("template_not_found",
			"The connector has no template for usage "+usage+" and no generic template.",
			domain.FieldError{Field: "usage", Reason: "has no template"})
	}
	cfg, err := s.FullConfig(req.Connector)
	if err != nil {
		return domain.OutboundMessage{}, nil, err
	}
	return domain.OutboundMessage{To: to, Usage: usage, Locale: req.Locale, Template: tpl, Variables: req.Variables}, cfg, nil
}

// NormalizeRecipient checks to for the channel: an E.164 phone number for SMS (11-digit
// mainland numbers gain +86), a bare email address for email.
func NormalizeRecipient(channel, to string) (string, error) {
	if channel == domain.ChannelSMS {
		return domain.NormalizePhone(to)
	}
	return domain.NormalizeEmail(to)
}

// FullConfig is the connector's configuration as the plugin needs it: public fields and opened
// secrets in one JSON object.
func (s *Service) FullConfig(c *domain.Connector) ([]byte, error) {
	secrets, err := OpenSecrets(s.Cipher, c)
	if err != nil {
		return nil, err
	}
	full := make(map[string]any, len(c.Config)+len(secrets))
	for k, v := range c.Config {
		full[k] = v
	}
	for k, v := range secrets {
		full[k] = v
	}
	b, err := json.Marshal(full)
	if err != nil {
		return nil, domain.Internal("encode connector config", err)
	}
	return b, nil
}

// OpenSecrets decrypts a connector's secret fields.
func OpenSecrets(cipher ports.Cipher, c *domain.Connector) (map[string]any, error) {
	if len(c.SealedSecrets) == 0 {
		return map[string]any{}, nil
	}
	plain, err := cipher.Open(c.SealedSecrets, []byte(c.ID))
	if err != nil {
		return nil, domain.Internal("open connector secrets", err)
	}
	var secrets map[string]any
	if err := json.Unmarshal(plain, &secrets); err != nil {
		return nil, domain.Internal("decode connector secrets", err)
	}
	return secrets, nil
}

// SealSecrets encrypts secrets into c, bound to c.ID, and records which fields are set.
func SealSecrets(cipher ports.Cipher, c *domain.Connector, secrets map[string]any) error {
	c.SecretsSet = c.SecretsSet[:0]
	for k := range secrets {
		c.SecretsSet = append(c.SecretsSet, k)
	}
	slices.Sort(c.SecretsSet)
	if len(secrets) == 0 {
		c.SealedSecrets = nil
		return nil
	}
	plain, err := json.Marshal(secrets)
	if err != nil {
		return domain.Internal("encode connector secrets", err)
	}
	sealed, err := cipher.Seal(plain, []byte(c.ID))
	if err != nil {
		return domain.Internal("seal connector secrets", err)
	}
	c.SealedSecrets = sealed
	return nil
}

// TestVariables are the sample values a test message is rendered with.
func TestVariables() map[string]string {
	return map[string]string{
		"code": "123456", "otp": "123456", "mailverifycode": "123456",
		"ttl_seconds": "300", "time": "300", "ttl_minutes": "5",
		"username": "test-user", "name": "test-user", "app_name": "Gatehouse",
	}
}
