package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"

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
