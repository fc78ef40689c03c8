// Package attribute holds the use cases of a pool's user attributes: list, view, create, edit
// and delete. Built-in attributes are fixed; preset and custom ones may change until users hold
// values for them. Applications name attributes (token claims, registration general
// attributes): a rename updates them, and a delete waits until none does.
package attribute

import (
	"cmp"
	"context"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Service runs the attribute use cases.
type Service struct {
	Pools      ports.PoolStore
	Attributes ports.AttributeStore
	// Apps and Locker keep applications' references (token claims, registration general
	// attributes) in step: a rename carries them along, a delete is refused while they exist.
	Apps   ports.ApplicationStore
	Locker ports.PoolLocker
	Tx     ports.Tx
	Clock  ports.Clock
	IDs    ports.IDs
	// Audit records every change inside the change's transaction.
	Audit audit.Recorder
}

// Audited actions.
const (
	ActionCreate = "attribute.create"
	ActionUpdate = "attribute.update"
	ActionDelete = "attribute.delete"
)

// auditView is what the audit log keeps of an attribute before and after a change.
type auditView struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Label      string          `json:"label"`
	Source     string          `json:"source"`
	Type       string          `json:"field_type"`
	Options    []string        `json:"options,omitempty"`
	Masking    domain.MaskRule `json:"masking"`
	KeepFirst  int             `json:"keep_first,omitempty"`
	KeepLast   int             `json:"keep_last,omitempty"`
	Regex      string          `json:"regex,omitempty"`
	RegexError string          `json:"regex_error,omitempty"`
	Enabled    bool            `json:"enabled"`
}

func viewOf(a *domain.Attribute) *auditView {
	if a == nil {
		return nil
	}
	return &auditView{ID: a.ID, Name: a.Name, Label: a.Label, Source: string(a.Source), Type: string(a.Type),
		Options: a.Options, Masking: a.Masking.Rule, KeepFirst: a.Masking.KeepFirst, KeepLast: a.Masking.KeepLast,
		Regex: a.Regex, RegexError: a.RegexError, Enabled: a.Enabled}
}

// record writes one admin change of an attribute; before or after is nil for a create or delete.
func (s *Service) record(ctx context.Context, action, verb string, before, after *domain.Attribute) error {
	a := cmp.Or(after, before)
	return s.Audit.AdminChange(ctx, a.PoolID, action, "attribute", a.ID, verb+" attribute "+a.Name, viewOf(before), viewOf(after))
}

// View is an attribute with whether any user of its pool has a value for it.
type View struct {
	domain.Attribute
	InUse bool
}

// Conflict codes of the attribute rules.
const (
	CodeBuiltin          = "builtin_attribute"
	CodeInUse            = "attribute_in_use"
	CodeAttributeEnabled = "attribute_enabled"
	CodeReferenced       = "attribute_referenced"
)

func errBuiltin() error {
	return domain.Conflict(CodeBuiltin, "Built-in attributes cannot be edited or deleted.")
}

// pool checks that the pool exists, so an unknown pool is 404 rather than an empty catalogue.
func (s *Service) pool(ctx context.Context, poolID string) error {
	_, err := s.Pools.Get(ctx, poolID)
	return err
}
