package messaging

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// QuotaStatus is a pool's free quota on one channel.
type QuotaStatus struct {
	Limit     int
	Used      int
	Remaining int
	// Applies is true while the pool has no connector of its own for the channel.
	Applies bool
}

// SettingsView is a pool's message settings with its quota usage.
type SettingsView struct {
	Settings *domain.MessageSettings
	Quota    map[string]QuotaStatus
}

// GetSettings returns a pool's message settings and free-quota usage.
func (s *Service) GetSettings(ctx context.Context, poolID string) (*SettingsView, error) {
	if _, err := s.Pools.Get(ctx, poolID); err != nil {
		return nil, err
	}
	settings, err := s.Settings.Get(ctx, poolID)
	if err != nil {
		return nil, err
	}
	used, err := s.Quotas.Used(ctx, poolID)
	if err != nil {
		return nil, err
	}
	view := &SettingsView{Settings: settings, Quota: map[string]QuotaStatus{}}
	for _, ch := range []string{domain.ChannelSMS, domain.ChannelEmail} {
		limit := s.FreeQuota[ch]
		q := QuotaStatus{Limit: limit, Used: used[ch], Remaining: max(limit-used[ch], 0)}
		q.Applies = (ch == domain.ChannelSMS && settings.SMSConnectorID == "") || (ch == domain.ChannelEmail && settings.EmailConnectorID == "")
		view.Quota[ch] = q
	}
	return view, nil
}

// PutSettingsRequest replaces a pool's message settings.
type PutSettingsRequest struct {
	PoolID           string
	SMSConnectorID   string
	EmailConnectorID string
	SMSTemplates     []domain.MessageTemplate
	EmailTemplates   []domain.MessageTemplate
}

// PutSettings checks that each connector belongs to the pool and carries the right channel, that
// each template fits the type that will render it, and that email templates follow the guide's
// placeholder rules; then it stores the settings.
func (s *Service) PutSettings(ctx context.Context, req PutSettingsRequest) (*SettingsView, error) {
	types, err := s.Sender.ConnectorTypes(ctx)
	if err != nil {
		return nil, err
	}
	typeNamed := func(name string) (domain.ConnectorType, bool) {
		for _, t := range types {
			if t.Name == name {
				return t, true
			}
		}
		return domain.ConnectorType{}, false
	}
	var problems domain.Problems
	check := func(channel, idField, tplField, connectorID string, templates []domain.MessageTemplate) {
		typeName := s.Platform[channel].Type
		if connectorID != "" {
			c, err := s.Connectors.Get(ctx, req.PoolID, connectorID)
			if err != nil {
				problems.Add(idField, "is not a connector of this pool")
				return
			}
			if c.Channel != channel {
				problems.Add(idField, "is not an "+channel+" connector")
				return
			}
			typeName = c.Type
		}
		t, ok := typeNamed(typeName)
		if !ok {
			if len(templates) > 0 {
				problems.Add(tplField, "no connector type is available to render them")
			}
			return
		}
		if err := domain.ValidateTemplates(t, templates); err != nil {
			if e, ok := domain.AsError(err); ok {
				for _, d := range e.Details {
					problems.Add(tplField+trimTemplatesPrefix(d.Field), d.Reason)
				}
			}
		}
		if channel == domain.ChannelEmail {
			if err := domain.CheckEmailTemplates(tplField, templates); err != nil {
				e, _ := domain.AsError(err)
				problems = append(problems, e.Details...)
			}
		}
	}
	if _, err := s.Pools.Get(ctx, req.PoolID); err != nil {
		return nil, err
	}
	check(domain.ChannelSMS, "sms_connector_id", "sms_templates", req.SMSConnectorID, req.SMSTemplates)
	check(domain.ChannelEmail, "email_connector_id", "email_templates", req.EmailConnectorID, req.EmailTemplates)
	if err := problems.Err(); err != nil {
		e, _ := domain.AsError(err)
		e.Code = domain.CodeInvalidTemplate
		if len(e.Details) > 0 && (e.Details[0].Field == "sms_connector_id" || e.Details[0].Field == "email_connector_id") {
			e.Code = domain.CodeInvalidRequest
		}
		return nil, e
	}
	settings := &domain.MessageSettings{PoolID: req.PoolID, SMSConnectorID: req.SMSConnectorID, EmailConnectorID: req.EmailConnectorID,
		SMSTemplates: req.SMSTemplates, EmailTemplates: req.EmailTemplates, UpdatedAt: s.Clock.Now()}
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		// Under the pool lock when the store offers one, so a source cannot be saved with a
		// longer code between the check and the write.
		if s.Locker != nil {
			if err := s.Locker.LockPool(ctx, req.PoolID); err != nil {
				return err
			}
		}
		before, err := s.Settings.Get(ctx, req.PoolID)
		if err != nil {
			return err
		}
		if err := s.checkSourceCodes(ctx, settings); err != nil {
			return err
		}
		if err := s.Settings.Put(ctx, settings); err != nil {
			return err
		}
		return s.Audit.AdminChange(ctx, req.PoolID, ActionUpdateSettings, "message_settings", req.PoolID,
			"Edited the message settings", settingsView(before), settingsView(settings))
	})
	if err != nil {
		return nil, err
	}
	return s.GetSettings(ctx, req.PoolID)
}

// ActionUpdateSettings is the audited action of PutSettings.
const ActionUpdateSettings = "message_settings.update"

// auditView is what the audit log keeps of a pool's message settings.
type auditView struct {
	SMSConnectorID   string                   `json:"sms_connector_id"`
	EmailConnectorID string                   `json:"email_connector_id"`
	SMSTemplates     []domain.MessageTemplate `json:"sms_templates"`
	EmailTemplates   []domain.MessageTemplate `json:"email_templates"`
}

func settingsView(m *domain.MessageSettings) *auditView {
	return &auditView{SMSConnectorID: m.SMSConnectorID, EmailConnectorID: m.EmailConnectorID,
		SMSTemplates: m.SMSTemplates, EmailTemplates: m.EmailTemplates}
}

// trimTemplatesPrefix turns ValidateTemplates' "templates[0].id" into "[0].id".
func trimTemplatesPrefix(field string) string {
	if len(field) > len("templates") && field[:len("templates")] == "templates" {
		return field[len("templates"):]
	}
	return ""
}
