package messaging

import (
	"context"
	"fmt"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// MaxCodeLength is the longest verification code the connector carrying pool's messages on
// channel accepts (its type's x-max-code-length; 0: no limit), with that type's name. A pool
// without its own connector uses the platform's.
func (s *Service) MaxCodeLength(ctx context.Context, poolID, channel string) (int, string, error) {
	settings, err := s.Settings.Get(ctx, poolID)
	if err != nil {
		return 0, "", err
	}
	return s.maxCodeLength(ctx, poolID, channel, settings)
}

func (s *Service) maxCodeLength(ctx context.Context, poolID, channel string, settings *domain.MessageSettings) (int, string, error) {
	id := settings.SMSConnectorID
	if channel == domain.ChannelEmail {
		id = settings.EmailConnectorID
	}
	typeName := s.Platform[channel].Type
	if id != "" {
		c, err := s.Connectors.Get(ctx, poolID, id)
		if err != nil {
			return 0, "", err
		}
		typeName = c.Type
	}
	if typeName == "" {
		return 0, "", nil
	}
	types, err := s.Sender.ConnectorTypes(ctx)
	if err != nil {
		return 0, "", err
	}
	for _, t := range types {
		if t.Name == typeName {
			return t.MaxCodeLength(), t.Name, nil
		}
	}
	return 0, typeName, nil
}

// CodeSourcesTooLong is the code of message settings that would carry an OTP source's codes
// through a connector that refuses codes that long.
const CodeSourcesTooLong = "auth_source_code_too_long"

// checkSourceCodes refuses settings whose connector for an OTP channel accepts shorter codes
// than an OTP source of the pool sends: a conflict with the stored sources, each named in a
// detail on the connector field.
func (s *Service) checkSourceCodes(ctx context.Context, settings *domain.MessageSettings) error {
	if s.Sources == nil {
		return nil
	}
	var details []domain.FieldError
	for _, c := range []struct {
		channel, field string
		source         domain.AuthSourceType
	}{{domain.ChannelSMS, "sms_connector_id", domain.SourceSMSOTP}, {domain.ChannelEmail, "email_connector_id", domain.SourceEmailOTP}} {
		limit, typeName, err := s.maxCodeLength(ctx, settings.PoolID, c.channel, settings)
		if err != nil {
			return err
		}
		if limit == 0 {
			continue
		}
		for page := 1; ; page++ {
			list, err := s.Sources.List(ctx, settings.PoolID, ports.AuthSourceQuery{Type: c.source, Page: domain.Page{Number: page, Size: 100}})
			if err != nil {
				return err
			}
			for _, src := range list.Items {
				if src.Policy.CodeLength > limit {
					details = append(details, domain.FieldError{Field: c.field, Reason: fmt.Sprintf(
						"%s accepts codes of at most %d characters; source %s (%s) sends %d", typeName, limit, src.Name, src.ID, src.Policy.CodeLength)})
				}
			}
			if len(list.Items) < 100 || page*100 >= list.Total {
				break
			}
		}
	}
	if len(details) > 0 {
		return domain.Conflict(CodeSourcesTooLong,
			"An OTP source of the pool sends longer codes than the chosen connector accepts; shorten its code length first.", details...)
	}
	return nil
}
