// Package connector holds the use cases of a pool's connector instances: list the connector
// types, create, read, edit and delete instances (secret fields sealed at rest, never shown
// again), verify credentials, and send test messages through the message service.
package connector

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the connector use cases.
type Service struct {
	Connectors ports.ConnectorStore
	Pools      ports.PoolStore
	Sender     ports.MessageSender
	Messages   *messaging.Service
	Cipher     ports.Cipher
	Locker     ports.PoolLocker
	Tx         ports.Tx
	Clock      ports.Clock
	IDs        ports.IDs
	// Audit records every change inside the change's transaction.
	Audit audit.Recorder
}

// Audited actions.
const (
	ActionCreate = "connector.create"
	ActionUpdate = "connector.update"
	ActionDelete = "connector.delete"
)

// auditView is what the audit log keeps of a connector instance: the public configuration and,
// for each secret field of its type, only whether it has a value (never the value, not even
// sealed).
type auditView struct {
	ID        string                   `json:"id"`
	Type      string                   `json:"type"`
	Channel   string                   `json:"channel"`
	Name      string                   `json:"name"`
	Config    map[string]any           `json:"config"`
	Secrets   []secretState            `json:"secrets"`
	Templates []domain.MessageTemplate `json:"templates"`
}

// secretState is a list entry rather than a map key so the field name survives redaction
// (an "api_key" key would be redacted, value and all).
type secretState struct {
	Field string `json:"field"`
	Set   bool   `json:"set"`
}

func (s *Service) viewOf(ctx context.Context, c *domain.Connector) *auditView {
	status := s.SecretStatus(ctx, c)
	secrets := make([]secretState, 0, len(status))
	for f, set := range status {
		secrets = append(secrets, secretState{Field: f, Set: set})
	}
	slices.SortFunc(secrets, func(a, b secretState) int { return strings.Compare(a.Field, b.Field) })
	cfg := make(map[string]any, len(c.Config))
	for k, v := range c.Config {
		cfg[k] = v
	}
	return &auditView{ID: c.ID, Type: c.Type, Channel: c.Channel, Name: c.Name, Config: cfg, Secrets: secrets,
		Templates: slices.Clone(c.Templates)}
}

// record writes one admin change of a connector; before or after is nil for a create or delete.
func (s *Service) record(ctx context.Context, action, verb string, before, after *auditView, poolID string) error {
	v := cmp.Or(after, before)
	return s.Audit.AdminChange(ctx, poolID, action, "connector", v.ID, verb+" connector "+v.Name, before, after)
}

// Types lists the connector types the server can run.
func (s *Service) Types(ctx context.Context) ([]domain.ConnectorType, error) {
	return s.Sender.ConnectorTypes(ctx)
}

// typeOf finds a connector type; an unknown one is bad input in field.
func (s *Service) typeOf(ctx context.Context, name, field string) (domain.ConnectorType, error) {
	types, err := s.Sender.ConnectorTypes(ctx)
	if err != nil {
		return domain.ConnectorType{}, err
	}
	for _, t := range types {
		if t.Name == name {
			return t, nil
		}
	}
	return domain.ConnectorType{}, domain.Invalid(domain.CodeUnknownConnectorType, "No connector type is named "+strconv.Quote(name)+".",
		domain.FieldError{Field: field, Reason: "is not a known connector type"})
}

// decodeConfig parses a configuration object, keeping numbers exact.
func decodeConfig(raw json.RawMessage) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var cfg map[string]any
	if err := dec.Decode(&cfg); err != nil || cfg == nil {
		return nil, domain.InvalidField("config", "must be a JSON object")
	}
	return cfg, nil
}

// split separates the secret fields of cfg from the public ones. A secret given as null or ""
// means "remove it".
func split(t domain.ConnectorType, cfg map[string]any) (public map[string]any, secrets map[string]any, removed []string) {
	public, secrets = map[string]any{}, map[string]any{}
	for k, v := range cfg {
		if !slices.Contains(t.SecretFields, k) {
			public[k] = v
			continue
		}
		if v == nil || v == "" {
			removed = append(removed, k)
			continue
		}
		secrets[k] = v
	}
	return public, secrets, removed
}

func merged(public, secrets map[string]any) ([]byte, error) {
	full := make(map[string]any, len(public)+len(secrets))
	for k, v := range public {
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

// SecretStatus tells, for every secret field of the connector's type, whether it has a value.
func (s *Service) SecretStatus(ctx context.Context, c *domain.Connector) map[string]bool {
	status := map[string]bool{}
	for _, f := range c.SecretsSet {
		status[f] = true
	}
	if t, err := s.typeOf(ctx, c.Type, "type"); err == nil {
		for _, f := range t.SecretFields {
			if !status[f] {
				status[f] = false
			}
		}
	}
	return status
}
