package messaging

import (
	"context"
	"log/slog"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Message is one message a pool sends: the pool's connector for the channel carries it, or the
// platform's default connector under the pool's free quota.
type Message struct {
	PoolID    string
	Channel   string
	Usage     string
	To        string
	Locale    string
	Variables map[string]string
}

// Send resolves the pool's connector and template, checks the free quota when the platform's
// connector is used, and delivers the message. A failed send does not count against the quota.
func (s *Service) Send(ctx context.Context, m Message) (domain.Delivery, error) {
	conn, platform, err := s.connectorFor(ctx, m.PoolID, m.Channel)
	if err != nil {
		return domain.Delivery{}, err
	}
	if platform {
		ok, err := s.Quotas.Consume(ctx, m.PoolID, m.Channel, s.FreeQuota[m.Channel])
		if err != nil {
			return domain.Delivery{}, err
		}
		if !ok {
			return domain.Delivery{}, domain.InsufficientQuota(m.Channel)
		}
	}
	d, err := s.SendWith(ctx, SendRequest{Connector: conn, To: m.To, Usage: m.Usage, Locale: m.Locale, Variables: m.Variables})
	if err != nil && platform {
		if rerr := s.Quotas.Refund(context.WithoutCancel(ctx), m.PoolID, m.Channel); rerr != nil {
			s.log().WarnContext(ctx, "quota refund failed", "pool_id", m.PoolID, "channel", m.Channel, "error", rerr)
		}
	}
	outcome := "sent"
	if err != nil {
		outcome = domain.CodeOf(err)
	}
	s.log().InfoContext(ctx, "message", "pool_id", m.PoolID, "channel", m.Channel, "usage", m.Usage, "connector", conn.Type,
		"platform", platform, "outcome", outcome, "latency", d.Latency)
	return d, err
}

// Rehearse makes the checks Send makes before it calls the connector: that the pool has a
// connector for the channel, with free quota left when it is the platform's, that the recipient
// suits the channel and a template the usage, and that the configuration opens. It sends
// nothing and consumes no quota. A sign-in that answers as if it sent (to a recipient who gets
// nothing) rehearses, so that it fails where a real send would fail before reaching the
// provider, and its answer does not tell the two apart.
func (s *Service) Rehearse(ctx context.Context, m Message) error {
	conn, platform, err := s.connectorFor(ctx, m.PoolID, m.Channel)
	if err != nil {
		return err
	}
	if platform {
		used, err := s.Quotas.Used(ctx, m.PoolID)
		if err != nil {
			return err
		}
		if used[m.Channel] >= s.FreeQuota[m.Channel] {
			return domain.InsufficientQuota(m.Channel)
		}
	}
	_, _, err = s.prepare(SendRequest{Connector: conn, To: m.To, Usage: m.Usage, Locale: m.Locale, Variables: m.Variables})
	return err
}

// connectorFor returns the connector instance carrying the pool's messages on channel, with the
// pool's own templates in front of the connector's, and whether it is the platform's.
func (s *Service) connectorFor(ctx context.Context, poolID, channel string) (*domain.Connector, bool, error) {
	settings, err := s.Settings.Get(ctx, poolID)
	if err != nil {
		return nil, false, err
	}
	id, own := settings.SMSConnectorID, settings.SMSTemplates
	if channel == domain.ChannelEmail {
		id, own = settings.EmailConnectorID, settings.EmailTemplates
	}
	if id != "" {
		c, err := s.Connectors.Get(ctx, poolID, id)
		if err != nil {
			return nil, false, err
		}
		c.Templates = append(append([]domain.MessageTemplate{}, own...), c.Templates...)
		return c, false, nil
	}
	p, ok := s.Platform[channel]
	if !ok {
		return nil, false, domain.Unavailable(domain.CodeConnectorUnavailable, "No "+channel+" connector is configured for this pool.", nil)
	}
	return &domain.Connector{ID: "platform-" + channel, PoolID: poolID, Type: p.Type, Channel: channel, Config: p.Config,
		Templates: append(append([]domain.MessageTemplate{}, own...), p.Templates...)}, true, nil
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}
