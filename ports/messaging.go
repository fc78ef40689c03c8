package ports

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// MessageSender delivers SMS and email through connector types (plugins). Configurations are
// the connector instance's JSON, secrets decrypted; they are passed with every call and never
// kept. Errors are *domain.Error: unknown_connector_type (not found), connector_invalid_config
// (invalid, details per config field), connector_invalid_recipient (invalid),
// connector_rate_limited (rate limited, RetryAfter), connector_quota_exceeded,
// connector_rejected and connector_unavailable (unavailable); the connector-level detail is a
// *domain.ConnectorError in the chain.
type MessageSender interface {
	// ConnectorTypes lists the available connector types, sorted by name.
	ConnectorTypes(ctx context.Context) ([]domain.ConnectorType, error)
	// Validate checks config against the type's schema and the connector; with verify the
	// connector also proves the credentials with the provider, sending nothing.
	Validate(ctx context.Context, connectorType string, config []byte, verify bool) error
	// Send delivers msg with the connector type configured by config.
	Send(ctx context.Context, connectorType string, config []byte, msg domain.OutboundMessage) (domain.Delivery, error)
}
