package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
)

// Built-in templates of the default mock connectors: SMS names a provider template and its
// variables; email carries the guide's texts.
var (
	defaultSMSTemplates = []domain.MessageTemplate{
		{Usage: domain.UsageGeneric, ID: "gatehouse-code", Params: []string{"code", "ttl_minutes"}},
	}
	defaultEmailTemplates = []domain.MessageTemplate{
		{Usage: domain.UsageGeneric, Subject: "Your verification code",
			Body: "Your email OTP is {{.otp}} and valid for {{.time}} seconds. Please enter it in time."},
		{Usage: domain.UsageResetPassword, Subject: "Reset your password",
			Body: "Dear {{.name}}, use the security code {{.mailverifycode}} to reset your password. It is valid for {{.time}} seconds."},
		{Usage: domain.UsageRetrieveUsername, Subject: "Your username", Body: "Dear user, you have retrieved your account: {{.name}}."},
	}
)

// platformConnectors turns the configuration into the message service's default connectors.
func platformConnectors(cfg Config) (map[string]messaging.PlatformConnector, error) {
	out := map[string]messaging.PlatformConnector{}
	for _, ch := range []struct {
		channel  string
		pc       PlatformConnectorConfig
		outbox   string
		fallback []domain.MessageTemplate
	}{
		{domain.ChannelSMS, cfg.DefaultSMS, "outbox-sms.jsonl", defaultSMSTemplates},
		{domain.ChannelEmail, cfg.DefaultEmail, "outbox-email.jsonl", defaultEmailTemplates},
	} {
		if ch.pc.Type == "" {
			continue
		}
		p := messaging.PlatformConnector{Type: ch.pc.Type, Config: map[string]any{}, Templates: ch.fallback}
		if ch.pc.Config == "" {
			outbox, err := filepath.Abs(filepath.Join(cfg.DataDir, ch.outbox))
			if err != nil {
				return nil, err
			}
			p.Config["outbox"] = outbox
		} else {
			dec := json.NewDecoder(bytes.NewReader([]byte(ch.pc.Config)))
			dec.UseNumber()
			if err := dec.Decode(&p.Config); err != nil {
				return nil, fmt.Errorf("default %s connector config: %w", ch.channel, err)
			}
		}
		if ch.pc.Templates != "" {
			// A fresh slice: decoding into the built-in one would keep the built-in values of
			// every field the setting leaves out, and change them for every later Build.
			var templates []domain.MessageTemplate
			if err := json.Unmarshal([]byte(ch.pc.Templates), &templates); err != nil {
				return nil, fmt.Errorf("default %s connector templates: %w", ch.channel, err)
			}
			p.Templates = templates
		}
		out[ch.channel] = p
	}
	return out, nil
}

// connectorChecker is what checkPlatformConnectors needs of the plugin host.
type connectorChecker interface {
	ConnectorTypes(ctx context.Context) ([]domain.ConnectorType, error)
	Validate(ctx context.Context, connectorType string, config []byte, verify bool) error
}

// checkPlatformConnectors refuses, at start-up, a default connector that could never send: an
// unknown type, a type of the other channel, templates its type cannot use or a configuration
// its plugin rejects. Otherwise every send of a pool without its own connector would fail.
func checkPlatformConnectors(ctx context.Context, plugins connectorChecker, platform map[string]messaging.PlatformConnector) error {
	if len(platform) == 0 {
		return nil
	}
	types, err := plugins.ConnectorTypes(ctx)
	if err != nil {
		return err
	}
	for channel, pc := range platform {
		i := slices.IndexFunc(types, func(t domain.ConnectorType) bool { return t.Name == pc.Type })
		if i < 0 {
			return fmt.Errorf("default %s connector: no connector type %q among the plugins", channel, pc.Type)
		}
		if types[i].Channel != channel {
			return fmt.Errorf("default %s connector: %q is a connector of the %s channel", channel, pc.Type, types[i].Channel)
		}
		err := domain.ValidateTemplates(types[i], pc.Templates)
		if err == nil && channel == domain.ChannelEmail {
			err = domain.CheckEmailTemplates("templates", pc.Templates) // the rules a pool's own email templates follow
		}
		if err != nil {
			return fmt.Errorf("default %s connector templates: %w", channel, err)
		}
		config, err := json.Marshal(pc.Config)
		if err == nil {
			err = plugins.Validate(ctx, pc.Type, config, false)
		}
		if err != nil {
			return fmt.Errorf("default %s connector config: %w", channel, err)
		}
	}
	return nil
}
